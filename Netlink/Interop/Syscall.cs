using System.Runtime.InteropServices;

namespace Purelb.Netlink.Interop;

/// <summary>Thin helpers that turn a failed libc call into a <see cref="NetlinkException"/>.</summary>
internal static unsafe class Syscall
{
    public static Errno LastErrno() => (Errno)Marshal.GetLastPInvokeError();

    public static FileDescriptorHandle OpenSocket(int domain, int type, int protocol, string what)
    {
        int fd = Libc.Socket(domain, type | SocketConstants.SOCK_CLOEXEC, protocol);
        if (fd < 0) throw new NetlinkException("open " + what + " socket", LastErrno());
        return new FileDescriptorHandle(fd);
    }

    public static void SetInt(FileDescriptorHandle handle, int level, int name, int value, string what)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            if (Libc.SetSockOpt(handle.Fd, level, name, &value, sizeof(int)) != 0)
                throw new NetlinkException("setsockopt " + what, LastErrno());
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    public static void SetStruct<T>(FileDescriptorHandle handle, int level, int name, in T value, string what) where T : unmanaged
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            T copy = value;
            if (Libc.SetSockOpt(handle.Fd, level, name, &copy, (uint)sizeof(T)) != 0)
                throw new NetlinkException("setsockopt " + what, LastErrno());
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }
}
