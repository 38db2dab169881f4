using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Purelb.Modes.Memory;

/// <summary>
/// Keeps resident only the pages of the binary and its libraries that the process really touches.
/// </summary>
/// <remarks>
/// On a read fault in a file mapping the kernel also maps up to 16 neighbouring pages that are already in the page
/// cache ("fault-around"), and each of them counts in the resident set. For an agent that touches scattered type
/// data and code across an 18 MB image that was about 4 MiB of its 24 (docs/performance.md). The kernel offers one
/// per-mapping switch: a mapping registered with a userfaultfd in asynchronous write-protect mode (Linux 6.7+) is
/// faulted in one page at a time. We never write-protect anything, so no fault is ever delivered to us and no thread
/// waits on the descriptor; registering only turns fault-around off. Where the kernel or a seccomp profile refuses,
/// or <see cref="SwitchVariable"/> says "kernel", nothing changes and <see cref="Outcome"/> says why.
/// </remarks>
public sealed class PageResidency : IDisposable
{
    /// <summary>Set to "kernel" to keep the kernel's fault-around.</summary>
    public const string SwitchVariable = "PURELB_FAULT_AROUND";
    private const int ChunkPages = 512;

    private readonly Lock _lock = new();
    private readonly Func<MappedRegion, bool> _covers;
    private int _fd;

    private PageResidency(int fd, Func<MappedRegion, bool> covers, string outcome)
    {
        _fd = fd;
        _covers = covers;
        Outcome = outcome;
    }

    /// <summary>Whether fault-around is off for the covered mappings.</summary>
    public bool Active => _fd >= 0;

    /// <summary>What start-up did, for the log.</summary>
    public string Outcome { get; private set; }

    /// <summary>Covers every private file mapping of the process: the binary, libc and whatever else is loaded.</summary>
    public static PageResidency Start(string? switchValue) => Start(switchValue, r => r.IsPrivateFile);

    internal static PageResidency Start(string? switchValue, Func<MappedRegion, bool> covers)
    {
        if (string.Equals(switchValue, "kernel", StringComparison.OrdinalIgnoreCase))
            return new PageResidency(-1, covers, $"fault-around left to the kernel ({SwitchVariable}=kernel)");
        if (!OperatingSystem.IsLinux() || MemoryInterop.UserfaultfdSyscall < 0)
            return new PageResidency(-1, covers, "fault-around left to the kernel (not Linux on x86-64 or arm64)");
        if (!TryOpen(out int fd, out string refusal))
            return new PageResidency(-1, covers, "fault-around left to the kernel: " + refusal);
        var residency = new PageResidency(fd, covers, "");
        var (covered, refused) = residency.Cover();
        residency.Outcome = refused == 0
            ? $"fault-around off for {covered} file mappings"
            : $"fault-around off for {covered} file mappings ({refused} refused)";
        return residency;
    }

    /// <summary>
    /// Registers the covered mappings that exist now: libraries loaded since start (OpenSSL at the first TLS
    /// handshake) are caught by calling again. Returns how many were registered and how many the kernel refused.
    /// </summary>
    public (int Covered, int Refused) Cover()
    {
        lock (_lock)
        {
            if (_fd < 0) return (0, 0);
            int covered = 0, refused = 0;
            foreach (var region in ReadMaps())
            {
                if (!_covers(region)) continue;
                if (Register(region)) covered++;
                else refused++;
            }
            return (covered, refused);
        }
    }

    /// <summary>
    /// Unmaps the pages of covered read-only mappings that are still the file's own, so what start-up touched once
    /// (or what fault-around mapped before <see cref="Start(string?)"/>) leaves the resident set; what is still used
    /// comes back a page at a time on its next touch. Written (anonymous) pages are never dropped, and writable
    /// mappings are skipped because another thread could write a page between our look and the drop. Returns the
    /// number of pages dropped; 0 when inactive.
    /// </summary>
    public long DropCleanPages()
    {
        lock (_lock)
        {
            if (_fd < 0) return 0;
            try
            {
                using var pagemap = File.OpenHandle("/proc/self/pagemap", FileMode.Open, FileAccess.Read);
                long dropped = 0;
                foreach (var region in ReadMaps())
                {
                    if (region.Writable || !_covers(region)) continue;
                    dropped += DropCleanPages(pagemap, region);
                }
                return dropped;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // No pagemap (hidepid, an old kernel): nothing is dropped, fault-around stays off.
                return 0;
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            // Closing the descriptor unregisters every mapping: fault-around is back.
            if (_fd >= 0) MemoryInterop.Close(_fd);
            _fd = -1;
        }
    }

    private static unsafe bool TryOpen(out int fd, out string refusal)
    {
        refusal = "";
        long opened = MemoryInterop.Syscall(MemoryInterop.UserfaultfdSyscall,
            MemoryInterop.O_CLOEXEC | MemoryInterop.O_NONBLOCK | MemoryInterop.UFFD_USER_MODE_ONLY);
        fd = (int)opened;
        if (opened < 0)
        {
            refusal = $"userfaultfd: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}";
            fd = -1;
            return false;
        }
        var api = new MemoryInterop.UffdioApi { Api = MemoryInterop.UFFD_API, Features = MemoryInterop.UFFD_FEATURE_WP_ASYNC };
        if (MemoryInterop.Ioctl(fd, MemoryInterop.UFFDIO_API, &api) != 0)
        {
            // EINVAL: a kernel older than 6.7, or one without write-protect support for this architecture.
            refusal = $"asynchronous write-protect userfaultfd: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}";
            MemoryInterop.Close(fd);
            fd = -1;
            return false;
        }
        return true;
    }

    private unsafe bool Register(MappedRegion region)
    {
        var register = new MemoryInterop.UffdioRegister
        {
            Start = region.Start,
            Length = region.Length,
            Mode = MemoryInterop.UFFDIO_REGISTER_MODE_WP,
        };
        return MemoryInterop.Ioctl(_fd, MemoryInterop.UFFDIO_REGISTER, &register) == 0;
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
