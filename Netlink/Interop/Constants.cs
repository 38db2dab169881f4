namespace Purelb.Netlink.Interop;

/// <summary>Socket-level constants (Linux generic ABI, identical on x64 and arm64).</summary>
internal static class SocketConstants
{
    public const int AF_UNSPEC = 0;
    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int AF_NETLINK = 16;
    public const int AF_PACKET = 17;

    public const int SOCK_RAW = 3;
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;

    public const int NETLINK_ROUTE = 0;
    public const int IPPROTO_ICMPV6 = 58;
    public const int IPPROTO_IPV6 = 41;

    public const int SOL_SOCKET = 1;
    public const int SO_SNDBUF = 7;
    public const int SO_RCVBUF = 8;
    public const int SO_RCVTIMEO = 20;
    public const int SO_SNDTIMEO = 21;
    public const int SO_RCVBUFFORCE = 33;
    public const int SO_BINDTODEVICE = 25;

    public const int SOL_NETLINK = 270;
    public const int NETLINK_ADD_MEMBERSHIP = 1;
    public const int NETLINK_CAP_ACK = 10;
    public const int NETLINK_EXT_ACK = 11;

    public const int IPV6_CHECKSUM = 7;
    public const int IPV6_UNICAST_HOPS = 16;
    public const int IPV6_MULTICAST_IF = 17;
    public const int IPV6_MULTICAST_HOPS = 18;

    public const int MSG_TRUNC = 0x20;
    public const int MSG_DONTWAIT = 0x40;

    public const int O_RDONLY = 0;
    public const int O_CLOEXEC = 0x80000;
    public const int CLONE_NEWNET = 0x40000000;
    public const int EFD_NONBLOCK = 0x800;
    public const int EFD_CLOEXEC = 0x80000;
    public const short POLLIN = 0x1;

    public const ushort ETH_P_ARP = 0x0806;
    public const ushort ETH_P_IPV6 = 0x86DD;
    public const ushort ETH_P_ALL = 0x0003;
}
