using System.Diagnostics;
using Purelb.Netlink;
using Purelb.Netlink.Interop;

namespace Purelb.Tests.Netlink;

/// <summary>An AF_PACKET/ETH_P_ALL capture socket bound to one interface, created inside a namespace.</summary>
internal sealed unsafe class PacketCapture : IDisposable
{
    private readonly FileDescriptorHandle _handle;

    public PacketCapture(NetworkNamespace ns, int interfaceIndex)
    {
        _handle = ns.Run(() =>
        {
            ushort protocol = (ushort)System.Net.IPAddress.HostToNetworkOrder((short)SocketConstants.ETH_P_ALL);
            var h = Syscall.OpenSocket(SocketConstants.AF_PACKET, SocketConstants.SOCK_RAW, protocol, "capture");
            var ll = new SockaddrLl { sll_family = SocketConstants.AF_PACKET, sll_protocol = protocol, sll_ifindex = interfaceIndex };
            if (Libc.Bind(h.Fd, &ll, (uint)sizeof(SockaddrLl)) != 0) throw new NetlinkException("bind capture", Syscall.LastErrno());
            return h;
        });
    }

    /// <summary>Frames received until <paramref name="timeout"/>, or until <paramref name="enough"/> says stop.</summary>
    public List<byte[]> Receive(TimeSpan timeout, Func<List<byte[]>, bool> enough)
    {
        var frames = new List<byte[]>();
        var buffer = new byte[2048];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout && !enough(frames))
        {
            var pfd = new PollFd { fd = _handle.Fd, events = SocketConstants.POLLIN };
            int wait = (int)Math.Max(1, (timeout - clock.Elapsed).TotalMilliseconds);
            if (Libc.Poll(&pfd, 1, wait) <= 0) continue;
            fixed (byte* p = buffer)
            {
                nint n = Libc.Recv(_handle.Fd, p, (nuint)buffer.Length, SocketConstants.MSG_DONTWAIT);
                if (n > 0) frames.Add(buffer.AsSpan(0, (int)n).ToArray());
            }
        }
        return frames;
    }

    public void Dispose() => _handle.Dispose();
}
