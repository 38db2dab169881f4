using Purelb.Modes.Memory;
using Xunit;

namespace Purelb.Tests.Memory;

public class PageMapEntryTests
{
    private const ulong Present = 1UL << 63;
    private const ulong FilePage = 1UL << 61;
    private const ulong Exclusive = 1UL << 56;

    [Fact]
    public void Only_present_pages_that_are_still_the_file_own_are_clean()
    {
        Assert.True(PageMapEntry.IsCleanFilePage(Present | FilePage));
        Assert.True(PageMapEntry.IsCleanFilePage(Present | FilePage | Exclusive | 0x1234));
        Assert.False(PageMapEntry.IsCleanFilePage(Present | Exclusive)); // a written private copy
        Assert.False(PageMapEntry.IsCleanFilePage(FilePage));                // not mapped
        Assert.False(PageMapEntry.IsCleanFilePage(0));
    }

    [Fact]
    public void Runs_are_split_by_anything_that_is_not_a_clean_file_page()
    {
        ulong c = Present | FilePage, w = Present | Exclusive;
        ulong[] entries = [c, c, 0, c, w, w, c, c, c, 0];
        var runs = new (int, int)[5];
        int found = PageMapEntry.CleanFileRuns(entries, runs);
        Assert.Equal([(0, 2), (3, 1), (6, 3)], runs[..found]);
    }

    [Fact]
    public void Alternating_pages_fill_half_the_entries_with_runs()
    {
        ulong c = Present | FilePage;
        ulong[] entries = [c, 0, c, 0, c];
        var runs = new (int, int)[3];
        Assert.Equal(3, PageMapEntry.CleanFileRuns(entries, runs));
        Assert.Equal([(0, 1), (2, 1), (4, 1)], runs);
        Assert.Throws<ArgumentException>(() => PageMapEntry.CleanFileRuns(entries, new (int, int)[2]));
    }
}
