using System.Globalization;

namespace Purelb.Modes.Memory;

/// <summary>One line of /proc/self/maps: an address range, its protection and what backs it.</summary>
public readonly record struct MappedRegion(ulong Start, ulong End, bool Readable, bool Writable, bool Executable, bool Private, string Path)
{
    public ulong Length => End - Start;

    /// <summary>
    /// A private mapping of an ordinary file: the binary and its libraries. memfd, device and deleted-file mappings
    /// are someone else's business (the JIT's double mapping is a shared memfd), so they are left alone.
    /// </summary>
    public bool IsPrivateFile =>
        Private && Readable && Path.StartsWith('/') && !Path.StartsWith("/memfd:", StringComparison.Ordinal) &&
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

    // "start-end perms offset dev inode   path", the path (which may hold spaces) starting after the inode's padding.
    private static bool TryParseLine(ReadOnlySpan<char> line, out MappedRegion region)
    {
        region = default;
        int dash = line.IndexOf('-');
        if (dash <= 0) return false;
        var rest = line[(dash + 1)..];
        int space = rest.IndexOf(' ');
        if (space <= 0) return false;
        if (!ulong.TryParse(line[..dash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start) ||
            !ulong.TryParse(rest[..space], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end) || end <= start)
            return false;
        rest = rest[(space + 1)..];
        if (rest.Length < 4) return false;
        var perms = rest[..4];
        rest = rest[4..];
        // offset, device and inode, then the path if any.
        for (int field = 0; field < 3; field++)
        {
            rest = rest.TrimStart(' ');
            int next = rest.IndexOf(' ');
            if (next < 0)
            {
                if (field < 2 || rest.IsEmpty) return false;
                rest = [];
                break;
            }
            rest = rest[next..];
        }
        region = new MappedRegion(start, end, perms[0] == 'r', perms[1] == 'w', perms[2] == 'x', perms[3] == 'p',
            rest.TrimStart(' ').ToString());
        return true;
    }
}
