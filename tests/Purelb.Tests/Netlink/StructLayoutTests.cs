using System.Runtime.CompilerServices;
using Purelb.Netlink.Interop;
using Xunit;

namespace Purelb.Tests.Netlink;

/// <summary>No C shim absorbs an ABI mismatch, so sizeof and every field offset are pinned (x64 and arm64 agree).</summary>
public unsafe class StructLayoutTests
{
    private static int Offset<T>(ref T start, ref byte field) => (int)Unsafe.ByteOffset(ref Unsafe.As<T, byte>(ref start), ref field);

    [Fact]
    public void Sizes_match_the_kernel()
    {
        Assert.Equal(12, sizeof(SockaddrNl));
        Assert.Equal(16, sizeof(NlMsgHdr));
        Assert.Equal(20, sizeof(NlMsgErr));
        Assert.Equal(16, sizeof(IfInfoMsg));
        Assert.Equal(8, sizeof(IfAddrMsg));
        Assert.Equal(16, sizeof(IfaCacheinfo));
        Assert.Equal(12, sizeof(RtMsg));
        Assert.Equal(8, sizeof(RtNexthop));
        Assert.Equal(16, sizeof(IoVec));
        Assert.Equal(56, sizeof(MsgHdr));
        Assert.Equal(20, sizeof(SockaddrLl));
        Assert.Equal(28, sizeof(SockaddrIn6));
        Assert.Equal(8, sizeof(PollFd));
        Assert.Equal(16, sizeof(TimeVal));
    }

    [Fact]
    public void Nlmsghdr_offsets()
    {
        var h = new NlMsgHdr();
        Assert.Equal(0, Offset(ref h, ref Unsafe.As<uint, byte>(ref h.nlmsg_len)));
        Assert.Equal(4, Offset(ref h, ref Unsafe.As<ushort, byte>(ref h.nlmsg_type)));
        Assert.Equal(6, Offset(ref h, ref Unsafe.As<ushort, byte>(ref h.nlmsg_flags)));
        Assert.Equal(8, Offset(ref h, ref Unsafe.As<uint, byte>(ref h.nlmsg_seq)));
        Assert.Equal(12, Offset(ref h, ref Unsafe.As<uint, byte>(ref h.nlmsg_pid)));
        var e = new NlMsgErr();
        Assert.Equal(4, Offset(ref e, ref Unsafe.As<NlMsgHdr, byte>(ref e.msg)));
        var nl = new SockaddrNl();
        Assert.Equal(4, Offset(ref nl, ref Unsafe.As<uint, byte>(ref nl.nl_pid)));
        Assert.Equal(8, Offset(ref nl, ref Unsafe.As<uint, byte>(ref nl.nl_groups)));
    }

    [Fact]
    public void Family_header_offsets()
    {
        var i = new IfInfoMsg();
        Assert.Equal(2, Offset(ref i, ref Unsafe.As<ushort, byte>(ref i.ifi_type)));
        Assert.Equal(4, Offset(ref i, ref Unsafe.As<int, byte>(ref i.ifi_index)));
        Assert.Equal(8, Offset(ref i, ref Unsafe.As<uint, byte>(ref i.ifi_flags)));
        Assert.Equal(12, Offset(ref i, ref Unsafe.As<uint, byte>(ref i.ifi_change)));
        var a = new IfAddrMsg();
        Assert.Equal(1, Offset(ref a, ref a.ifa_prefixlen));
        Assert.Equal(2, Offset(ref a, ref a.ifa_flags));
        Assert.Equal(3, Offset(ref a, ref a.ifa_scope));
        Assert.Equal(4, Offset(ref a, ref Unsafe.As<uint, byte>(ref a.ifa_index)));
        var c = new IfaCacheinfo();
        Assert.Equal(0, Offset(ref c, ref Unsafe.As<uint, byte>(ref c.ifa_prefered)));
        Assert.Equal(4, Offset(ref c, ref Unsafe.As<uint, byte>(ref c.ifa_valid)));
        Assert.Equal(8, Offset(ref c, ref Unsafe.As<uint, byte>(ref c.cstamp)));
        Assert.Equal(12, Offset(ref c, ref Unsafe.As<uint, byte>(ref c.tstamp)));
        var r = new RtMsg();
        Assert.Equal(1, Offset(ref r, ref r.rtm_dst_len));
        Assert.Equal(4, Offset(ref r, ref r.rtm_table));
        Assert.Equal(6, Offset(ref r, ref r.rtm_scope));
        Assert.Equal(7, Offset(ref r, ref r.rtm_type));
        Assert.Equal(8, Offset(ref r, ref Unsafe.As<uint, byte>(ref r.rtm_flags)));
        var n = new RtNexthop();
        Assert.Equal(2, Offset(ref n, ref n.rtnh_flags));
        Assert.Equal(3, Offset(ref n, ref n.rtnh_hops));
        Assert.Equal(4, Offset(ref n, ref Unsafe.As<int, byte>(ref n.rtnh_ifindex)));
    }

    [Fact]
    public void Socket_struct_offsets()
    {
        var m = new MsgHdr();
        byte* b = (byte*)&m;
        Assert.Equal(8, (byte*)&m.msg_namelen - b);
        Assert.Equal(16, (byte*)&m.msg_iov - b);
        Assert.Equal(24, (byte*)&m.msg_iovlen - b);
        Assert.Equal(32, (byte*)&m.msg_control - b);
        Assert.Equal(40, (byte*)&m.msg_controllen - b);
        Assert.Equal(48, (byte*)&m.msg_flags - b);
        var v = new IoVec();
        Assert.Equal(8, Offset(ref v, ref Unsafe.As<nuint, byte>(ref v.iov_len)));
        var ll = new SockaddrLl();
        Assert.Equal(2, Offset(ref ll, ref Unsafe.As<ushort, byte>(ref ll.sll_protocol)));
        Assert.Equal(4, Offset(ref ll, ref Unsafe.As<int, byte>(ref ll.sll_ifindex)));
        Assert.Equal(8, Offset(ref ll, ref Unsafe.As<ushort, byte>(ref ll.sll_hatype)));
        Assert.Equal(10, Offset(ref ll, ref ll.sll_pkttype));
        Assert.Equal(11, Offset(ref ll, ref ll.sll_halen));
        Assert.Equal(12, Offset(ref ll, ref ll.sll_addr[0]));
        var s6 = new SockaddrIn6();
        Assert.Equal(4, Offset(ref s6, ref Unsafe.As<uint, byte>(ref s6.sin6_flowinfo)));
        Assert.Equal(8, Offset(ref s6, ref s6.sin6_addr[0]));
        Assert.Equal(24, Offset(ref s6, ref Unsafe.As<uint, byte>(ref s6.sin6_scope_id)));
        var p = new PollFd();
        Assert.Equal(4, Offset(ref p, ref Unsafe.As<short, byte>(ref p.events)));
        Assert.Equal(6, Offset(ref p, ref Unsafe.As<short, byte>(ref p.revents)));
    }
}
