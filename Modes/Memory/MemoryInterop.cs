using System.Runtime.InteropServices;

namespace Purelb.Modes.Memory;

/// <summary>
/// The libc calls behind <see cref="PageResidency"/>. glibc has no userfaultfd wrapper, so it goes through syscall(2);
/// every argument is an integer or a pointer, which Linux on x86-64 and arm64 passes to a variadic function as to any other.
/// </summary>
internal static unsafe partial class MemoryInterop
{
    private const string Library = "libc";

    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long Syscall(long number, long argument);

    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, ulong request, void* argument);

    [LibraryImport(Library, EntryPoint = "madvise", SetLastError = true)]
    internal static partial int Madvise(nint address, nuint length, int advice);

    internal const int MADV_DONTNEED = 4;
    internal const long O_CLOEXEC = 0x80000;
    internal const long O_NONBLOCK = 0x800;

    // include/uapi/linux/userfaultfd.h
    internal const long UFFD_USER_MODE_ONLY = 1;
    internal const ulong UFFD_API = 0xAA;
    internal const ulong UFFD_FEATURE_WP_ASYNC = 1UL << 15;
    internal const ulong UFFDIO_REGISTER_MODE_WP = 1UL << 1;
    internal const ulong UFFDIO_API = 0xC018AA3F;       // _IOWR(0xAA, 0x3F, struct uffdio_api)
    internal const ulong UFFDIO_REGISTER = 0xC020AA00;  // _IOWR(0xAA, 0x00, struct uffdio_register)

    /// <summary>__NR_userfaultfd, or -1 where we do not know it.</summary>
    internal static long UserfaultfdSyscall => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 323,
        Architecture.Arm64 => 282,
        _ => -1,
    };

    [StructLayout(LayoutKind.Sequential)]
    internal struct UffdioApi
    {
        public ulong Api;
        public ulong Features;
        public ulong Ioctls;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct UffdioRegister
    {
        public ulong Start;
        public ulong Length;
        public ulong Mode;
        public ulong Ioctls;
    }
}
