using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Purelb.Netlink.Interop;
using Purelb.Netlink.Route;
using static Purelb.Netlink.Interop.SocketConstants;

namespace Purelb.Netlink.Raw;

/// <summary>
/// Sends unsolicited Neighbour Advertisements (agent.md §3.6, §8.5) to ff02::1 through one ICMPv6 raw socket,
/// from the interface's link-local address, with hop limit 255 (receivers drop NDP otherwise). Source and
/// outgoing interface travel per packet in IPV6_PKTINFO, the hop limit in IPV6_HOPLIMIT. The kernel computes the
/// ICMPv6 checksum itself (Linux refuses IPV6_CHECKSUM on ICMPv6 sockets). Needs CAP_NET_RAW.
/// </summary>
public sealed unsafe class NeighborAdvertisementSender : IDisposable
{
    private const int IPV6_PKTINFO = 50;
    private const int IPV6_HOPLIMIT = 52;
    private const int IPV6_AUTOFLOWLABEL = 70;
    private const int HopLimit = 255;
    private static readonly IPAddress AllNodes = IPAddress.Parse("ff02::1");

    private readonly FileDescriptorHandle _handle;

    public NeighborAdvertisementSender(NetworkNamespace? networkNamespace = null)
    {
        static FileDescriptorHandle Create()
        {
            var handle = Syscall.OpenSocket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6, "ICMPv6");
            try
            {
                Syscall.SetInt(handle, IPPROTO_IPV6, IPV6_UNICAST_HOPS, HopLimit, "IPV6_UNICAST_HOPS");
                Syscall.SetInt(handle, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, HopLimit, "IPV6_MULTICAST_HOPS");
                // Flow label 0, so every NA is the same frame (kernels before 4.4 lack the option; harmless there).
                try
                {
                    Syscall.SetInt(handle, IPPROTO_IPV6, IPV6_AUTOFLOWLABEL, 0, "IPV6_AUTOFLOWLABEL");
                }
                catch (NetlinkException)
                {
                }
                return handle;
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }

        _handle = networkNamespace is null ? Create() : networkNamespace.Run(Create);
    }

    /// <summary>
    /// Sends one NA for <paramref name="target"/>, from <paramref name="linkLocalSource"/> (the interface's first
    /// usable link-local address, see <see cref="FindLinkLocal"/>).
    /// </summary>
    public void Send(LinkInfo link, IPAddress target, IPAddress linkLocalSource) =>
        Send(link.Index, link.HardwareAddress, target, linkLocalSource);

    public void Send(int interfaceIndex, ReadOnlySpan<byte> mac, IPAddress target, IPAddress linkLocalSource)
    {
        if (linkLocalSource.AddressFamily != AddressFamily.InterNetworkV6 || !linkLocalSource.IsIPv6LinkLocal)
            throw new ArgumentException($"{linkLocalSource} is not an IPv6 link-local address", nameof(linkLocalSource));
        Span<byte> message = stackalloc byte[NeighborAdvertisementMessage.Length];
        NeighborAdvertisementMessage.Write(message, target, mac);

        var to = new SockaddrIn6 { sin6_family = AF_INET6, sin6_scope_id = (uint)interfaceIndex };
        AllNodes.TryWriteBytes(new Span<byte>(to.sin6_addr, 16), out _);

        // Ancillary data: cmsghdr is {size_t len; int level; int type} (16 bytes), data 8-byte aligned.
        const int pktinfoLength = 16 + 20;            // CMSG_LEN(sizeof(struct in6_pktinfo))
        const int pktinfoSpace = 16 + 24;             // CMSG_SPACE(20)
        const int hoplimitLength = 16 + 4;            // CMSG_LEN(sizeof(int))
        const int hoplimitSpace = 16 + 8;             // CMSG_SPACE(4)
        byte* control = stackalloc byte[pktinfoSpace + hoplimitSpace];
        var controlSpan = new Span<byte>(control, pktinfoSpace + hoplimitSpace);
        controlSpan.Clear();
        WriteCmsgHeader(controlSpan, pktinfoLength, IPPROTO_IPV6, IPV6_PKTINFO);
        linkLocalSource.TryWriteBytes(controlSpan.Slice(16, 16), out _);
        MemoryMarshal.Write(controlSpan.Slice(32), in interfaceIndex);
        WriteCmsgHeader(controlSpan.Slice(pktinfoSpace), hoplimitLength, IPPROTO_IPV6, IPV6_HOPLIMIT);
        int hops = HopLimit;
        MemoryMarshal.Write(controlSpan.Slice(pktinfoSpace + 16), in hops);

        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            fixed (byte* p = message)
            {
                var iov = new IoVec { iov_base = p, iov_len = (nuint)message.Length };
                var msg = new MsgHdr
                {
                    msg_name = &to,
                    msg_namelen = (uint)sizeof(SockaddrIn6),
                    msg_iov = &iov,
                    msg_iovlen = 1,
                    msg_control = control,
                    msg_controllen = pktinfoSpace + hoplimitSpace,
                };
                nint sent;
                do sent = Libc.SendMsg(_handle.Fd, &msg, 0);
                while (sent < 0 && Syscall.LastErrno() == Errno.EINTR);
                if (sent < 0)
                    throw new NetlinkException($"send neighbour advertisement for {target} on link #{interfaceIndex} from {linkLocalSource}", Syscall.LastErrno());
            }
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
    }

    /// <summary>The interface's first link-local IPv6 address that is usable as a source (not tentative or DAD-failed).</summary>
    public static IPAddress? FindLinkLocal(AddressService addresses, int interfaceIndex)
    {
        foreach (var a in addresses.List(AddressFamily.InterNetworkV6, interfaceIndex))
        {
            if (!a.Address.IsIPv6LinkLocal) continue;
            if ((a.Flags & (AddressFlags.Tentative | AddressFlags.DadFailed)) != 0) continue;
            return a.Address;
        }
        return null;
    }

    private static void WriteCmsgHeader(Span<byte> at, int length, int level, int type)
    {
        ulong len = (ulong)length;
        MemoryMarshal.Write(at, in len);
        MemoryMarshal.Write(at.Slice(8), in level);
        MemoryMarshal.Write(at.Slice(12), in type);
    }

    public void Dispose() => _handle.Dispose();
}
