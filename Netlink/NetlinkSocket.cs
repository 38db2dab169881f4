using System.Runtime.InteropServices;
using Purelb.Netlink.Interop;
using static Purelb.Netlink.Interop.SocketConstants;

namespace Purelb.Netlink;

/// <summary>
/// The AF_NETLINK socket: the only code that touches its descriptor. Sends to the kernel, receives whole
/// datagrams (a truncated datagram is an error, never silent loss) and retries EINTR.
/// </summary>
internal sealed unsafe class NetlinkSocket : IDisposable
{
    private readonly FileDescriptorHandle _handle;

    private NetlinkSocket(FileDescriptorHandle handle, uint portId)
    {
        _handle = handle;
        PortId = portId;
    }

    /// <summary>The port id the kernel assigned at bind; replies to us carry it.</summary>
    public uint PortId { get; }

    internal FileDescriptorHandle Handle => _handle;

    /// <param name="receiveTimeout">SO_RCVTIMEO so a request never hangs; null for a monitor (which polls).</param>
    /// <param name="receiveBufferBytes">SO_RCVBUF, 0 to keep the kernel default.</param>
    public static NetlinkSocket Open(TimeSpan? receiveTimeout, int receiveBufferBytes = 0)
    {
        var handle = Syscall.OpenSocket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, "netlink");
        try
        {
            if (receiveBufferBytes > 0) Syscall.SetInt(handle, SOL_SOCKET, SO_RCVBUF, receiveBufferBytes, "SO_RCVBUF");
            // Extended ACK carries the kernel's reason text; CAP_ACK keeps error replies from echoing our payload.
            Syscall.SetInt(handle, SOL_NETLINK, NETLINK_EXT_ACK, 1, "NETLINK_EXT_ACK");
            Syscall.SetInt(handle, SOL_NETLINK, NETLINK_CAP_ACK, 1, "NETLINK_CAP_ACK");
            if (receiveTimeout is { } timeout)
            {
                long micros = (long)(timeout.TotalMilliseconds * 1000);
                var tv = new TimeVal { tv_sec = micros / 1_000_000, tv_usec = micros % 1_000_000 };
                Syscall.SetStruct(handle, SOL_SOCKET, SO_RCVTIMEO, tv, "SO_RCVTIMEO");
                Syscall.SetStruct(handle, SOL_SOCKET, SO_SNDTIMEO, tv, "SO_SNDTIMEO");
            }
            var address = new SockaddrNl { nl_family = AF_NETLINK };
            int fd = handle.Fd;
            if (Libc.Bind(fd, &address, (uint)sizeof(SockaddrNl)) != 0)
                throw new NetlinkException("bind netlink socket", Syscall.LastErrno());
            uint length = (uint)sizeof(SockaddrNl);
            if (Libc.GetSockName(fd, &address, &length) != 0)
                throw new NetlinkException("getsockname on netlink socket", Syscall.LastErrno());
            return new NetlinkSocket(handle, address.nl_pid);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    public void JoinGroup(int group) =>
        Syscall.SetInt(_handle, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group, "NETLINK_ADD_MEMBERSHIP");

    /// <summary>Sends one request to the kernel; returns the errno (None on success).</summary>
    public Errno Send(ReadOnlySpan<byte> request)
    {
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            var kernel = new SockaddrNl { nl_family = AF_NETLINK };
            fixed (byte* p = request)
            {
                var iov = new IoVec { iov_base = p, iov_len = (nuint)request.Length };
                var msg = new MsgHdr { msg_name = &kernel, msg_namelen = (uint)sizeof(SockaddrNl), msg_iov = &iov, msg_iovlen = 1 };
                while (true)
                {
                    nint sent = Libc.SendMsg(_handle.Fd, &msg, 0);
                    if (sent >= 0) return sent == request.Length ? Errno.None : Errno.EMSGSIZE;
                    var errno = Syscall.LastErrno();
                    if (errno != Errno.EINTR) return errno;
                }
            }
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }

    /// <summary>
    /// Receives one datagram from the kernel. Returns None and its length, or the errno (EAGAIN on timeout or
    /// when <paramref name="dontWait"/> finds nothing, ENOBUFS on a multicast overrun, EMSGSIZE on truncation).
    /// Datagrams not sent by the kernel (port 0) are dropped.
    /// </summary>
    public Errno Receive(Span<byte> buffer, out int length, bool dontWait = false)
    {
        length = 0;
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    var from = new SockaddrNl();
                    var iov = new IoVec { iov_base = p, iov_len = (nuint)buffer.Length };
                    var msg = new MsgHdr { msg_name = &from, msg_namelen = (uint)sizeof(SockaddrNl), msg_iov = &iov, msg_iovlen = 1 };
                    nint got = Libc.RecvMsg(_handle.Fd, &msg, dontWait ? MSG_DONTWAIT : 0);
                    if (got < 0)
                    {
                        var errno = Syscall.LastErrno();
                        if (errno == Errno.EINTR) continue;
                        return errno;
                    }
                    if ((msg.msg_flags & MSG_TRUNC) != 0) return Errno.EMSGSIZE;
                    if (from.nl_pid != 0) continue;
                    length = (int)got;
                    return Errno.None;
                }
            }
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }

    public void Dispose() => _handle.Dispose();
}
