using System.Runtime.InteropServices;

namespace Purelb.Netlink.Interop;

// Kernel structures with the kernel's field names, fixed widths and explicit padding. There is no C shim to
// absorb an ABI mismatch, so tests pin sizeof and every offset (layouts are the same on x64 and arm64).

/// <summary>struct sockaddr_nl (12 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SockaddrNl
{
    public ushort nl_family;
    public ushort nl_pad;
    public uint nl_pid;
    public uint nl_groups;
}

/// <summary>struct nlmsghdr (16 bytes, host byte order).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NlMsgHdr
{
    public uint nlmsg_len;
    public ushort nlmsg_type;
    public ushort nlmsg_flags;
    public uint nlmsg_seq;
    public uint nlmsg_pid;
}

/// <summary>struct nlmsgerr without the echoed header's payload (20 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NlMsgErr
{
    public int error;
    public NlMsgHdr msg;
}

/// <summary>struct ifinfomsg (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IfInfoMsg
{
    public byte ifi_family;
    public byte __ifi_pad;
    public ushort ifi_type;
    public int ifi_index;
    public uint ifi_flags;
    public uint ifi_change;
}

/// <summary>struct ifaddrmsg (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IfAddrMsg
{
    public byte ifa_family;
    public byte ifa_prefixlen;
    public byte ifa_flags;
    public byte ifa_scope;
    public uint ifa_index;
}

/// <summary>struct ifa_cacheinfo (16 bytes); note preferred comes before valid.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IfaCacheinfo
{
    public uint ifa_prefered;
    public uint ifa_valid;
    public uint cstamp;
    public uint tstamp;
}

/// <summary>struct rtmsg (12 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RtMsg
{
    public byte rtm_family;
    public byte rtm_dst_len;
    public byte rtm_src_len;
    public byte rtm_tos;
    public byte rtm_table;
    public byte rtm_protocol;
    public byte rtm_scope;
    public byte rtm_type;
    public uint rtm_flags;
}

/// <summary>struct rtnexthop (8 bytes), followed by its own attributes inside RTA_MULTIPATH.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RtNexthop
{
    public ushort rtnh_len;
    public byte rtnh_flags;
    public byte rtnh_hops;
    public int rtnh_ifindex;
}

/// <summary>struct iovec (16 bytes on 64-bit).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct IoVec
{
    public void* iov_base;
    public nuint iov_len;
}

/// <summary>struct msghdr (56 bytes on 64-bit glibc: explicit padding after msg_namelen and msg_flags).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct MsgHdr
{
    public void* msg_name;
    public uint msg_namelen;
    public uint __pad1;
    public IoVec* msg_iov;
    public nuint msg_iovlen;
    public void* msg_control;
    public nuint msg_controllen;
    public int msg_flags;
    public int __pad2;
}

/// <summary>struct sockaddr_ll (20 bytes); sll_protocol is big-endian.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SockaddrLl
{
    public ushort sll_family;
    public ushort sll_protocol;
    public int sll_ifindex;
    public ushort sll_hatype;
    public byte sll_pkttype;
    public byte sll_halen;
    public fixed byte sll_addr[8];
}

/// <summary>struct sockaddr_in6 (28 bytes); port and flowinfo big-endian.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct SockaddrIn6
{
    public ushort sin6_family;
    public ushort sin6_port;
    public uint sin6_flowinfo;
    public fixed byte sin6_addr[16];
    public uint sin6_scope_id;
}

/// <summary>struct pollfd (8 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int fd;
    public short events;
    public short revents;
}

/// <summary>struct timeval (16 bytes on 64-bit).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TimeVal
{
    public long tv_sec;
    public long tv_usec;
}
