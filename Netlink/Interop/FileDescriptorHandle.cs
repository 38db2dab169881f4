using System.Runtime.InteropServices;

namespace Purelb.Netlink.Interop;

/// <summary>Owns one file descriptor (socket, namespace, eventfd); the only place an fd is closed.</summary>
internal sealed class FileDescriptorHandle : SafeHandle
{
    public FileDescriptorHandle() : base(new IntPtr(-1), ownsHandle: true)
    {
    }

    public FileDescriptorHandle(int fd) : base(new IntPtr(-1), ownsHandle: true)
    {
        SetHandle(new IntPtr(fd));
    }

    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>The raw descriptor; callers must hold a reference (DangerousAddRef) while using it.</summary>
    public int Fd => (int)handle.ToInt64();

    protected override bool ReleaseHandle() => Libc.Close((int)handle.ToInt64()) == 0;
}
