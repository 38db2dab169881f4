namespace Purelb.Modes.Memory;

/// <summary>
/// Bits of one /proc/self/pagemap entry (Documentation/admin-guide/mm/pagemap.rst). Only the flags are read: the
/// frame number is hidden from unprivileged readers anyway.
/// </summary>
public static class PageMapEntry
{
    public const int EntrySize = sizeof(ulong);
    private const ulong Present = 1UL << 63;
    private const ulong FileOrSharedAnonymous = 1UL << 61;

    /// <summary>
    /// Mapped and still the file's own page. A private page that was written (the relocated parts of an image) is an
    /// anonymous copy whose content exists nowhere else, so it never counts.
    /// </summary>
    public static bool IsCleanFilePage(ulong entry) => (entry & (Present | FileOrSharedAnonymous)) == (Present | FileOrSharedAnonymous);

    /// <summary>
    /// Runs of consecutive clean file pages, as (first index, count), in order. Runs are separated by at least one
    /// other page, so half the entries (rounded up) always suffice.
    /// </summary>
    public static int CleanFileRuns(ReadOnlySpan<ulong> entries, Span<(int First, int Count)> runs)
    {
        if (runs.Length < (entries.Length + 1) / 2)
            throw new ArgumentException("room for at least half the entries' runs is needed", nameof(runs));
        int found = 0;
        int i = 0;
        while (i < entries.Length)
        {
            if (!IsCleanFilePage(entries[i]))
            {
                i++;
                continue;
            }
            int first = i;
            while (i < entries.Length && IsCleanFilePage(entries[i])) i++;
            runs[found++] = (first, i - first);
        }
        return found;
    }
}
