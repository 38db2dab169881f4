using System.Runtime.InteropServices;
using Purelb.Modes.Memory;
using Purelb.Modes.Observability;
using Xunit;

namespace Purelb.Tests.Memory;

/// <summary>
/// The real kernel: a file of our own, mapped privately, covered or not, and the mapping's Rss read back from
/// /proc/self/smaps. Only the test's own mappings are covered, never the test host's.
/// </summary>
[Trait("Category", "Kernel")]
public sealed unsafe partial class PageResidencyKernelTests : IDisposable
{
    private const int Pages = 1024;
    private static readonly int PageSize = Environment.SystemPageSize;
    // Next to the tests, on the disk the repository is on: a tmpfs /tmp may be set to hand out huge pages.
    private readonly string _file = Path.Combine(AppContext.BaseDirectory, $"purelb-residency-{Guid.NewGuid():N}.bin");
    private readonly List<(nint Address, nuint Length)> _maps = [];

    public PageResidencyKernelTests()
    {
        var content = new byte[Pages * PageSize];
        for (int page = 0; page < Pages; page++) content[page * PageSize] = (byte)(page % 251 + 1);
        // Written a page at a time, so the page cache holds single pages as it does for an installed binary: one
        // 4 MiB write would make 2 MiB folios, which the kernel maps whole on any fault, covered or not. Being in the
        // page cache matters too, since fault-around only maps pages that are.
        using (var stream = new FileStream(_file, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            for (int page = 0; page < Pages; page++) stream.Write(content, page * PageSize, PageSize);
        }
    }

    public void Dispose()
    {
        foreach (var (address, length) in _maps) Munmap(address, length);
        File.Delete(_file);
    }

    [UserfaultfdFact]
    public void A_covered_mapping_faults_in_only_the_pages_touched_while_an_uncovered_one_gets_neighbours()
    {
        var covered = Map(writable: false);
        var uncovered = Map(writable: false);
        using var residency = PageResidency.Start(null, r => r.Start == (ulong)covered);
        Assert.True(residency.Active, residency.Outcome);

        TouchEvery(covered, 16);
        TouchEvery(uncovered, 16);

        Assert.Equal(Pages / 16 * PageSize / 1024, RssKib(covered));
        Assert.True(RssKib(uncovered) >= 2 * Pages / 16 * PageSize / 1024,
            $"fault-around was expected on the uncovered mapping: {RssKib(uncovered)} KiB");
        Assert.Contains("uw", VmFlags(covered));
        Assert.DoesNotContain("uw", VmFlags(uncovered));
    }

    [UserfaultfdFact]
    public void Dropping_unmaps_clean_pages_but_keeps_written_ones_and_skips_writable_mappings()
    {
        var readOnly = Map(writable: true);
        // Like an image's relocated read-only data: written while writable, then protected.
        readOnly[3 * PageSize] = 0xEE;
        Assert.Equal(0, Mprotect((nint)readOnly, (nuint)(Pages * PageSize), ProtRead));
        var writable = Map(writable: true);
        using var residency = PageResidency.Start(null, r => r.Start == (ulong)readOnly || r.Start == (ulong)writable);
        Assert.True(residency.Active, residency.Outcome);
        TouchEvery(readOnly, 1);
        TouchEvery(writable, 1);
        Assert.Equal(Pages * PageSize / 1024, RssKib(readOnly));

        var (dropped, mappings) = residency.DropCleanPages();

        Assert.Equal(Pages - 1, dropped);
        Assert.Equal(1, mappings);
        Assert.Equal(PageSize / 1024, RssKib(readOnly));
        Assert.Equal(Pages * PageSize / 1024, RssKib(writable));
        Assert.Equal(0xEE, readOnly[3 * PageSize]);
        // A dropped page comes back from the file, alone.
        Assert.Equal(5 % 251 + 1, readOnly[5 * PageSize]);
        Assert.Equal(2 * PageSize / 1024, RssKib(readOnly));
    }

    [UserfaultfdFact]
    public void Disposing_or_the_kernel_switch_leaves_fault_around_to_the_kernel()
    {
        var first = Map(writable: false);
        var residency = PageResidency.Start(null, r => r.Start == (ulong)first);
        Assert.True(residency.Active, residency.Outcome);
        residency.Dispose();
        Assert.False(residency.Active);
        Assert.DoesNotContain("uw", VmFlags(first));
        TouchEvery(first, 64);
        Assert.True(RssKib(first) > Pages / 64 * PageSize / 1024, $"{RssKib(first)} KiB");

        var second = Map(writable: false);
        using var off = PageResidency.Start("kernel", r => r.Start == (ulong)second);
        Assert.False(off.Active);
        Assert.Contains(PageResidency.SwitchVariable, off.Outcome);
        Assert.Equal((0, 0), off.Cover());
        TouchEvery(second, 64);
        Assert.Equal((0L, 0), off.DropCleanPages());
        Assert.True(RssKib(second) > Pages / 64 * PageSize / 1024, $"{RssKib(second)} KiB");
    }

    [UserfaultfdFact]
    public void Covering_again_takes_in_mappings_made_since_and_keeps_the_old_ones()
    {
        var before = Map(writable: false);
        var later = (byte*)0;
        using var residency = PageResidency.Start(null, r => r.Start == (ulong)before || r.Start == (ulong)later);
        Assert.True(residency.Active, residency.Outcome);
        later = Map(writable: false);
        Assert.DoesNotContain("uw", VmFlags(later));

        Assert.Equal((2, 0), residency.Cover());

        Assert.Contains("uw", VmFlags(before));
        Assert.Contains("uw", VmFlags(later));
        TouchEvery(later, 16);
        Assert.Equal(Pages / 16 * PageSize / 1024, RssKib(later));
    }

    [UserfaultfdFact]
    public void Only_mappings_unchanged_since_the_last_cover_are_dropped_from()
    {
        var changed = Map(writable: false);
        var stable = Map(writable: false);
        byte* later = null;
        using var residency = PageResidency.Start(null, r => r.Path == _file);
        Assert.True(residency.Active, residency.Outcome);
        later = Map(writable: false);
        // Re-protecting part of a mapping splits it: what we registered is no longer what is there.
        Assert.Equal(0, Mprotect((nint)changed, (nuint)PageSize, ProtRead | ProtWrite));
        TouchEvery(changed, 1);
        TouchEvery(stable, 1);
        TouchEvery(later, 1);

        var (dropped, mappings) = residency.DropCleanPages();

        Assert.Equal((Pages, 1), (dropped, mappings));
        Assert.Equal(0, RssKib(stable));
        Assert.Equal(Pages * PageSize / 1024, RssKib(later));
        Assert.Equal(PageSize / 1024, RssKib(changed));
        Assert.Equal((Pages - 1) * PageSize / 1024, RssKib(changed + PageSize));
    }

    [UserfaultfdFact]
    public void Settling_drops_what_the_previous_cover_registered_then_covers_what_is_new()
    {
        var before = Map(writable: false);
        byte* later = null;
        using var residency = PageResidency.Start(null, r => r.Path == _file);
        Assert.True(residency.Active, residency.Outcome);
        later = Map(writable: false);
        TouchEvery(before, 1);
        TouchEvery(later, 1);

        Assert.Equal((Pages, 1, 2, 0), residency.Settle());
        Assert.Equal(0, RssKib(before));
        Assert.Equal(Pages * PageSize / 1024, RssKib(later));
        Assert.Contains("uw", VmFlags(later));

        TouchEvery(before, 2);
        Assert.Equal((Pages + Pages / 2, 2, 2, 0), residency.Settle());
        Assert.Equal(0, RssKib(later));
        Assert.Equal(0, RssKib(before));
        Assert.Equal(2L * Pages + Pages / 2, residency.DroppedPages);
    }

    [UserfaultfdFact]
    public void Metrics_show_the_switch_and_the_pages_dropped_so_far()
    {
        var map = Map(writable: false);
        using var residency = PageResidency.Start(null, r => r.Start == (ulong)map);
        using var off = PageResidency.Start("kernel", _ => false);
        var on = new MetricRegistry();
        PageResidencyMetrics.Register(on, residency);
        var kernel = new MetricRegistry();
        PageResidencyMetrics.Register(kernel, off);
        Assert.Contains("\npurelb_memory_fault_around_off 1\n", "\n" + on.Render());
        Assert.Contains("\npurelb_memory_fault_around_off 0\n", "\n" + kernel.Render());

        TouchEvery(map, 4);
        residency.DropCleanPages();
        TouchEvery(map, 8);
        residency.DropCleanPages();

        Assert.Equal(Pages / 4 + Pages / 8, residency.DroppedPages);
        Assert.Contains($"\npurelb_memory_pages_dropped_total {Pages / 4 + Pages / 8}\n", "\n" + on.Render());
        Assert.Contains("\npurelb_memory_pages_dropped_total 0\n", "\n" + kernel.Render());
    }

    [Fact]
    public void A_switch_value_it_does_not_know_is_said()
    {
        using var residency = PageResidency.Start("kernal", _ => false);
        Assert.Contains("PURELB_FAULT_AROUND=\"kernal\" not understood", residency.Outcome);
        Assert.False(residency.Active);
    }

    private byte* Map(bool writable)
    {
        using var handle = File.OpenHandle(_file, FileMode.Open, FileAccess.Read);
        var length = (nuint)(Pages * PageSize);
        var address = Mmap(0, length, writable ? ProtRead | ProtWrite : ProtRead, MapPrivate,
            (int)handle.DangerousGetHandle(), 0);
        Assert.NotEqual(-1, address);
        _maps.Add((address, length));
        return (byte*)address;
    }

    private static void TouchEvery(byte* map, int stride)
    {
        int sum = 0;
        for (int page = 0; page < Pages; page += stride) sum += Volatile.Read(ref map[page * PageSize]);
        GC.KeepAlive(sum);
    }

    private static long RssKib(byte* map) => long.Parse(SmapsField(map, "Rss:").Split(' ', StringSplitOptions.RemoveEmptyEntries)[0]);

    private static string VmFlags(byte* map) => SmapsField(map, "VmFlags:");

    private static string SmapsField(byte* map, string field)
    {
        var header = ((ulong)map).ToString("x") + "-";
        bool inside = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            if (line.Length > 0 && char.IsAsciiHexDigit(line[0]) && line.Contains('-')) inside = line.StartsWith(header, StringComparison.Ordinal);
            else if (inside && line.StartsWith(field, StringComparison.Ordinal)) return line[field.Length..].Trim();
        }
        throw new InvalidOperationException($"no {field} for the mapping at {header}");
    }

    private const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2;

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    private static partial int Munmap(nint address, nuint length);

    [LibraryImport("libc", EntryPoint = "mprotect")]
    private static partial int Mprotect(nint address, nuint length, int protection);
}
