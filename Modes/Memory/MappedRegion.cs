using System.Globalization;

namespace Purelb.Modes.Memory;

/// <summary>
/// One line of /proc/self/maps. Two equal values describe the same mapping: same range, protection, file
/// (device and inode) and offset.
/// </summary>
public readonly record struct MappedRegion(
    ulong Start, ulong End, bool Readable, bool Writable, bool Executable, bool Private,
    ulong Offset, string Device, ulong Inode, string Path)
{
    public ulong Length => End - Start;

    /// <summary>
    /// A private mapping of an ordinary file: the binary and its libraries. Device files and deleted files (memfd
    /// mappings show as deleted files) are someone else's business and are left alone.
    /// </summary>
    public bool IsPrivateFile =>
        Private && Readable && Inode != 0 && Path.StartsWith('/') &&
        !Path.StartsWith("/dev/", StringComparison.Ordinal) && !Path.EndsWith(" (deleted)", StringComparison.Ordinal);

    /// <summary>Parses the kernel's text; lines it cannot read are skipped rather than guessed at.</summary>
    public static List<MappedRegion> ParseMaps(string text)
    {
        var regions = new List<MappedRegion>();
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            if (TryParseLine(raw, out var region)) regions.Add(region);
        }
        return regions;
    }

    // "start-end perms offset dev inode   path": the path may hold spaces (and the kernel escapes a newline in it as
    // \012), so it is everything after the inode's padding.
    private static bool TryParseLine(ReadOnlySpan<char> line, out MappedRegion region)
    {
        region = default;
        if (!NextField(ref line, out var range) || !NextField(ref line, out var perms) ||
            !NextField(ref line, out var offset) || !NextField(ref line, out var device) || !NextField(ref line, out var inode))
            return false;
        int dash = range.IndexOf('-');
        if (dash <= 0 || perms.Length != 4 || !IsPermissions(perms) ||
            !ulong.TryParse(range[..dash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start) ||
            !ulong.TryParse(range[(dash + 1)..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end) ||
            end <= start ||
            !ulong.TryParse(offset, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var offsetValue) ||
            !ulong.TryParse(inode, NumberStyles.None, CultureInfo.InvariantCulture, out var inodeValue))
            return false;
        region = new MappedRegion(start, end, perms[0] == 'r', perms[1] == 'w', perms[2] == 'x', perms[3] == 'p',
            offsetValue, device.ToString(), inodeValue, line.TrimStart(' ').ToString());
        return true;
    }

    private static bool NextField(ref ReadOnlySpan<char> line, out ReadOnlySpan<char> field)
    {
        line = line.TrimStart(' ');
        int end = line.IndexOf(' ');
        field = end < 0 ? line : line[..end];
        line = end < 0 ? [] : line[end..];
        return !field.IsEmpty;
    }

    private static bool IsPermissions(ReadOnlySpan<char> perms) =>
        perms[0] is 'r' or '-' && perms[1] is 'w' or '-' && perms[2] is 'x' or '-' && perms[3] is 'p' or 's';
}
