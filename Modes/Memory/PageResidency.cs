using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Purelb.Netlink.Interop;

namespace Purelb.Modes.Memory;

/// <summary>
/// Keeps resident only the pages of the binary and its libraries that the process really touches.
/// </summary>
/// <remarks>
/// On a read fault in a file mapping the kernel also maps up to 16 neighbouring pages that are already in the page
/// cache ("fault-around"), and each of them counts in the resident set. An agent touches type data and code
/// scattered across its whole image, so that was about a fifth of its resident set (docs/performance.md). The
/// kernel offers one per-mapping switch: a mapping registered with a userfaultfd in asynchronous write-protect mode
/// is faulted in one page at a time (Linux 6.7 on x86-64; arm64 gained write-protect support later). We never
/// write-protect anything, so no fault is ever delivered to us and no thread waits on the descriptor: registering
/// only turns fault-around off. Where the kernel or a seccomp profile refuses, or <see cref="SwitchVariable"/> says
/// "kernel", nothing changes and <see cref="Outcome"/> says why.
/// </remarks>
public sealed class PageResidency : IDisposable
{
    /// <summary>Set to "kernel" to keep the kernel's fault-around.</summary>
    public const string SwitchVariable = "PURELB_FAULT_AROUND";
    private const int ChunkPages = 512;

    private readonly Lock _lock = new();
    private readonly Func<MappedRegion, bool> _covers;
    private readonly HashSet<MappedRegion> _registered = [];
    private readonly FileDescriptorHandle? _uffd;
    private long _droppedPages;

    private PageResidency(FileDescriptorHandle? uffd, Func<MappedRegion, bool> covers, string outcome)
    {
        _uffd = uffd;
        _covers = covers;
        Outcome = outcome;
    }

    /// <summary>Whether fault-around is off for the covered mappings.</summary>
    public bool Active => _uffd is { IsClosed: false };

    /// <summary>What start-up did, for the log.</summary>
    public string Outcome { get; private set; }

    /// <summary>Pages dropped since start, for /metrics.</summary>
    public long DroppedPages => Interlocked.Read(ref _droppedPages);

    /// <summary>
    /// Covers every private file mapping of the process: the binary, libc and whatever else is loaded. Runs before
    /// anything else, so nothing it meets may stop the process: any failure leaves fault-around to the kernel.
    /// </summary>
    public static PageResidency Start(string? switchValue)
    {
        try
        {
            return Start(switchValue, r => r.IsPrivateFile);
        }
        catch (Exception e)
        {
            return new PageResidency(null, _ => false, $"fault-around left to the kernel: {e.GetType().Name}: {e.Message}");
        }
    }

    internal static PageResidency Start(string? switchValue, Func<MappedRegion, bool> covers)
    {
        if (string.Equals(switchValue, "kernel", StringComparison.OrdinalIgnoreCase))
            return new PageResidency(null, covers, $"fault-around left to the kernel ({SwitchVariable}=kernel)");
        // Anything else means ours; a value we do not know is said, so a misspelt "kernel" does not pass unnoticed.
        string note = string.IsNullOrEmpty(switchValue) ? "" : $" ({SwitchVariable}=\"{switchValue}\" not understood: \"kernel\" or unset)";
        if (TryOpen(out string refusal) is not { } uffd)
            return new PageResidency(null, covers, "fault-around left to the kernel: " + refusal + note);
        var residency = new PageResidency(uffd, covers, "");
        var (covered, refused) = residency.Cover();
        if (covered == 0)
        {
            residency.Dispose();
            residency.Outcome = (refused == 0
                ? "fault-around left to the kernel: no file mappings to cover"
                : $"fault-around left to the kernel: the kernel refused all {refused} file mappings") + note;
            return residency;
        }
        residency.Outcome = (refused == 0
            ? $"fault-around off for {covered} file mappings"
            : $"fault-around off for {covered} file mappings ({refused} refused)") + note;
        return residency;
    }

    /// <summary>
    /// Once start-up is over: drops the clean pages of what the previous cover registered
    /// (<see cref="DropCleanPages(List{MappedRegion})"/>), then covers what is mapped now, libraries loaded since
    /// (OpenSSL at the first TLS handshake) included. One look at the maps serves both, and dropping comes first
    /// because only mappings registered before this look are known to be settled.
    /// </summary>
    public (long Pages, int FromMappings, int Covered, int Refused) Settle()
    {
        lock (_lock)
        {
            if (!Active) return (0, 0, 0, 0);
            var regions = ReadMaps();
            var (pages, fromMappings) = DropCleanPages(regions);
            var (covered, refused) = Cover(regions);
            return (pages, fromMappings, covered, refused);
        }
    }

    /// <summary>Registers the covered mappings that exist now; how many are registered and how many the kernel
    /// refused.</summary>
    internal (int Covered, int Refused) Cover()
    {
        lock (_lock) return Active ? Cover(ReadMaps()) : (0, 0);
    }

    /// <summary>The drop half of <see cref="Settle"/>, on its own for tests.</summary>
    internal (long Pages, int FromMappings) DropCleanPages()
    {
        lock (_lock) return Active ? DropCleanPages(ReadMaps()) : (0, 0);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            // Closing the descriptor unregisters every mapping: fault-around is back.
            _uffd?.Dispose();
            _registered.Clear();
        }
    }

    /// <summary>Why this kernel (or seccomp profile) would refuse, or null when it would not.</summary>
    internal static string? KernelRefusal()
    {
        using var uffd = TryOpen(out string refusal);
        return uffd is null ? refusal : null;
    }

    private (int Covered, int Refused) Cover(List<MappedRegion> regions)
    {
        // Unreadable maps: what was registered stays registered (and droppable), and is what is reported.
        if (regions.Count == 0) return (_registered.Count, 0);
        _registered.Clear();
        int refused = 0;
        foreach (var region in regions)
        {
            if (!_covers(region)) continue;
            if (Register(region)) _registered.Add(region);
            else refused++;
        }
        return (_registered.Count, refused);
    }

    /// <summary>
    /// Unmaps the pages of registered read-only mappings that are still the file's own, so what start-up touched
    /// once (and what fault-around mapped before registration) leaves the resident set; what is still used comes
    /// back a page at a time on its next touch. Returns the pages dropped and how many mappings they came from.
    /// </summary>
    /// <remarks>
    /// Dropping a page whose content exists only in this process would lose it, and what a mapping holds can change
    /// between our look at it and the drop. So a written (anonymous) page is never dropped; a writable mapping is
    /// skipped, since another thread may write between the look and the drop; and only mappings that were
    /// registered by the previous cover and are still exactly the same mapping now are touched: the images the
    /// loader set up, which nothing in this process unmaps or re-protects. A mapping being set up by a concurrent
    /// dlopen is new since that cover, so it is left alone. What is left is the instant between reading a chunk's
    /// pagemap and dropping it, in mappings nothing here unmaps or re-protects.
    /// </remarks>
    private (long Pages, int FromMappings) DropCleanPages(List<MappedRegion> regions)
    {
        try
        {
            using var pagemap = File.OpenHandle("/proc/self/pagemap", FileMode.Open, FileAccess.Read);
            long dropped = 0;
            int mappings = 0;
            foreach (var region in regions)
            {
                if (region.Writable || !_registered.Contains(region)) continue;
                long fromThis = DropCleanPages(pagemap, region);
                dropped += fromThis;
                if (fromThis > 0) mappings++;
            }
            Interlocked.Add(ref _droppedPages, dropped);
            return (dropped, mappings);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No pagemap (a masked /proc, or a process that is not dumpable): nothing is dropped, fault-around
            // stays off.
            return (0, 0);
        }
    }

    /// <summary>A userfaultfd in asynchronous write-protect mode, or null with the reason.</summary>
    private static unsafe FileDescriptorHandle? TryOpen(out string refusal)
    {
        refusal = "";
        if (!OperatingSystem.IsLinux() || MemoryInterop.UserfaultfdSyscall < 0)
        {
            refusal = "not Linux on x86-64 or arm64";
            return null;
        }
        long opened = MemoryInterop.Syscall(MemoryInterop.UserfaultfdSyscall,
            MemoryInterop.O_CLOEXEC | MemoryInterop.O_NONBLOCK | MemoryInterop.UFFD_USER_MODE_ONLY);
        if (opened < 0)
        {
            // EPERM: a seccomp profile; ENOSYS: a kernel built without userfaultfd.
            refusal = $"userfaultfd: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}";
            return null;
        }
        var uffd = new FileDescriptorHandle((int)opened);
        var api = new MemoryInterop.UffdioApi { Api = MemoryInterop.UFFD_API, Features = MemoryInterop.UFFD_FEATURE_WP_ASYNC };
        if (MemoryInterop.Ioctl(uffd.Fd, MemoryInterop.UFFDIO_API, &api) != 0)
        {
            // EINVAL: a kernel older than 6.7, or one without write-protect support for this architecture.
            refusal = $"asynchronous write-protect userfaultfd: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}";
            uffd.Dispose();
            return null;
        }
        return uffd;
    }

    // Under _lock, which Dispose takes too: the descriptor cannot close under the call.
    private unsafe bool Register(MappedRegion region)
    {
        var register = new MemoryInterop.UffdioRegister
        {
            Start = region.Start,
            Length = region.Length,
            Mode = MemoryInterop.UFFDIO_REGISTER_MODE_WP,
        };
        return MemoryInterop.Ioctl(_uffd!.Fd, MemoryInterop.UFFDIO_REGISTER, &register) == 0;
    }

    private static long DropCleanPages(SafeFileHandle pagemap, MappedRegion region)
    {
        ulong pageSize = (ulong)Environment.SystemPageSize;
        Span<ulong> entries = stackalloc ulong[ChunkPages];
        Span<(int First, int Count)> runs = stackalloc (int, int)[ChunkPages / 2];
        long dropped = 0;
        for (ulong chunk = region.Start; chunk < region.End; chunk += ChunkPages * pageSize)
        {
            int pages = (int)Math.Min(ChunkPages, (region.End - chunk) / pageSize);
            var wanted = entries[..pages];
            int read = RandomAccess.Read(pagemap, MemoryMarshal.AsBytes(wanted), (long)(chunk / pageSize * PageMapEntry.EntrySize));
            if (read < pages * PageMapEntry.EntrySize) break;
            int found = PageMapEntry.CleanFileRuns(wanted, runs);
            foreach (var (first, count) in runs[..found])
            {
                if (MemoryInterop.Madvise((nint)(chunk + (ulong)first * pageSize), (nuint)((ulong)count * pageSize), MemoryInterop.MADV_DONTNEED) == 0)
                    dropped += count;
            }
        }
        return dropped;
    }

    private static List<MappedRegion> ReadMaps()
    {
        try
        {
            return MappedRegion.ParseMaps(File.ReadAllText("/proc/self/maps"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
