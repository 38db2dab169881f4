using System.Net;
using Purelb.Netlink.Interop;
using Purelb.Netlink.Route;
using static Purelb.Netlink.Interop.SocketConstants;

namespace Purelb.Netlink.Raw;

/// <summary>
/// Sends gratuitous ARP (agent.md §3.6, §8.5): for each announcement one broadcast request and one broadcast reply
/// through an AF_PACKET raw socket. The socket is opened once (in a namespace if given) with protocol 0 so it
/// receives nothing; each frame names its interface in sockaddr_ll. Needs CAP_NET_RAW.
/// </summary>
public sealed unsafe class GratuitousArpSender : IDisposable
{
    private readonly FileDescriptorHandle _handle;

    public GratuitousArpSender(NetworkNamespace? networkNamespace = null)
    {
        static FileDescriptorHandle Create() => Syscall.OpenSocket(AF_PACKET, SOCK_RAW, 0, "AF_PACKET");
        _handle = networkNamespace is null ? Create() : networkNamespace.Run(Create);
    }

    public void Send(LinkInfo link, IPAddress address) => Send(link.Index, link.HardwareAddress, address);

    /// <summary>Sends the request frame, then the reply frame. Throws <see cref="NetlinkException"/> on failure.</summary>
    public void Send(int interfaceIndex, ReadOnlySpan<byte> mac, IPAddress address)
    {
        Span<byte> frame = stackalloc byte[GratuitousArpFrame.Length];
        GratuitousArpFrame.Write(frame, mac, address, GratuitousArpFrame.OpRequest);
        SendFrame(interfaceIndex, frame, address);
        GratuitousArpFrame.Write(frame, mac, address, GratuitousArpFrame.OpReply);
        SendFrame(interfaceIndex, frame, address);
    }

    private void SendFrame(int interfaceIndex, ReadOnlySpan<byte> frame, IPAddress address)
    {
        var to = new SockaddrLl
        {
            sll_family = AF_PACKET,
            sll_protocol = (ushort)IPAddress.HostToNetworkOrder((short)ETH_P_ARP),
            sll_ifindex = interfaceIndex,
            sll_halen = 6,
        };
        for (int i = 0; i < 6; i++) to.sll_addr[i] = 0xFF;
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            fixed (byte* p = frame)
            {
                nint sent;
                do sent = Libc.SendTo(_handle.Fd, p, (nuint)frame.Length, 0, &to, (uint)sizeof(SockaddrLl));
                while (sent < 0 && Syscall.LastErrno() == Errno.EINTR);
                if (sent < 0) throw new NetlinkException($"send gratuitous ARP for {address} on link #{interfaceIndex}", Syscall.LastErrno());
            }
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }

    public void Dispose() => _handle.Dispose();
}
