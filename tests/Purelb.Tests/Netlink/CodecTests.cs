using System.Net;
using Purelb.Netlink;
using Purelb.Netlink.Codec;
using Purelb.Netlink.Interop;
using Purelb.Netlink.Route;
using Xunit;

namespace Purelb.Tests.Netlink;

/// <summary>Reader/writer mechanics and decoding of captured kernel replies.</summary>
public class CodecTests
{
    [Fact]
    public void Writer_pads_attributes_and_back_patches_nested_lengths()
    {
        var buffer = new byte[128];
        var w = new NetlinkMessageWriter(buffer, 99, 1);
        int outer = w.BeginNested(7);
        w.PutBytes(1, [0xAA]);                 // 5 bytes + 3 pad
        int inner = w.BeginNested(2);
        w.PutU32(3, 0x11223344);
        w.EndNested(inner);
        w.EndNested(outer);
        var bytes = w.Finish(5, 6).ToArray();
        Assert.Equal(Hex.Format(Hex.Parse("""
            28 00 00 00 63 00 01 00 05 00 00 00 06 00 00 00   // len 40, type 99, flags 1, seq 5, pid 6
            18 00 07 00                                       // outer nested, 24 bytes
            05 00 01 00 aa 00 00 00                           //   5-byte attribute, zero pad
            0c 00 02 00                                       //   inner nested, 12 bytes
            08 00 03 00 44 33 22 11                           //     u32, host order
            """)), Hex.Format(bytes));
    }

    [Fact]
    public void Writer_refuses_to_overrun_its_buffer()
    {
        var buffer = new byte[24];
        var ex = Assert.Throws<InvalidOperationException>(() =>
        {
            var w = new NetlinkMessageWriter(buffer, 1, 1);
            w.PutBytes(1, new byte[16]);
        });
        Assert.Contains("does not fit", ex.Message);
    }

    [Fact]
    public void Reader_masks_nested_and_byteorder_flags()
    {
        var data = Hex.Parse("""
            0c 00 12 80                                       // type 18 | NLA_F_NESTED
            08 00 01 40 01 02 03 04                           //   type 1 | NLA_F_NET_BYTEORDER
            """);
        var r = new AttributeReader(data, 100);
        Assert.True(r.MoveNext());
        Assert.Equal(18, r.Type);
        Assert.True(r.IsNestedFlagSet);
        var inner = r.GetNested();
        Assert.True(inner.MoveNext());
        Assert.Equal(1, inner.Type);
        Assert.Equal(108, inner.ValueOffset); // outer header at 100, inner header at 104
        Assert.False(inner.MoveNext());
        Assert.False(r.MoveNext());
    }

    [Theory]
    [InlineData("08 00 01 00 01 02", 100, "past end")]          // length past the span
    [InlineData("03 00 01 00", 100, "below header")]            // length below 4
    [InlineData("08 00 01 00 01 02 03 04 05 00", 108, "truncated")] // trailing garbage shorter than a header
    public void Reader_rejects_lying_attributes_with_offset(string hex, int offset, string reason)
    {
        var data = Hex.Parse(hex);
        var ex = Assert.Throws<NetlinkDecodeException>(() =>
        {
            var r = new AttributeReader(data, 100);
            while (r.MoveNext())
            {
            }
        });
        Assert.Equal(offset, ex.Offset);
        Assert.Contains(reason, ex.Reason);
    }

    [Fact]
    public void Typed_getters_demand_exact_lengths()
    {
        var data = Hex.Parse("06 00 04 00 01 02 00 00");
        var ex = Assert.Throws<NetlinkDecodeException>(() =>
        {
            var r = new AttributeReader(data, 0);
            r.MoveNext();
            r.GetU32();
        });
        Assert.Equal(4, ex.Offset);
    }

    [Theory]
    [InlineData("10 00 00 00 03 00", 0, "truncated")]
    [InlineData("0c 00 00 00 03 00 02 00 00 00 00 00 00 00 00 00", 0, "below header")]
    [InlineData("14 00 00 00 03 00 02 00 00 00 00 00 00 00 00 00", 0, "past end")]
    public void Message_reader_rejects_lying_headers(string hex, int offset, string reason)
    {
        var data = Hex.Parse(hex);
        var ex = Assert.Throws<NetlinkDecodeException>(() =>
        {
            var r = new NetlinkMessageReader(data);
            while (r.MoveNext())
            {
            }
        });
        Assert.Equal(offset, ex.Offset);
        Assert.Contains(reason, ex.Reason);
    }

    [Fact]
    public void Captured_address_reply_decodes()
    {
        // RTM_NEWADDR from `ip -4 addr show dev v0` (recvmsg, Linux 6.18.44) after
        // `ip addr add 192.168.7.10/24 dev v0 valid_lft 300 preferred_lft 200 noprefixroute`.
        var datagram = Hex.Parse("""
            4c 00 00 00 14 00 22 00 6d 1d 08 6b d5 39 00 00   // len 76, RTM_NEWADDR, MULTI|DUMP_FILTERED
            02 18 00 00 07 00 00 00                           // AF_INET /24 flags 0 scope 0 index 7
            08 00 01 00 c0 a8 07 0a                           // IFA_ADDRESS
            08 00 02 00 c0 a8 07 0a                           // IFA_LOCAL
            07 00 03 00 76 30 00 00                           // IFA_LABEL "v0"
            08 00 08 00 00 02 00 00                           // IFA_FLAGS NOPREFIXROUTE
            14 00 06 00 c8 00 00 00 2c 01 00 00 9d 5d 01 00 9d 5d 01 00 // IFA_CACHEINFO pref 200 valid 300
            """);
        var reader = new NetlinkMessageReader(datagram);
        Assert.True(reader.MoveNext());
        var a = AddressMessage.Decode(reader.Current);
        Assert.Equal(IPAddress.Parse("192.168.7.10"), a.Address);
        Assert.Equal(24, a.PrefixLength);
        Assert.Equal(7, a.InterfaceIndex);
        Assert.Equal("v0", a.Label);
        Assert.Equal(AddressFlags.NoPrefixRoute, a.Flags);
        Assert.Equal(300u, a.ValidLifetime);
        Assert.Equal(200u, a.PreferredLifetime);
        Assert.False(reader.MoveNext());
    }

    [Fact]
    public void Captured_link_reply_decodes()
    {
        var datagram = Hex.File("rtm_newlink_veth_v0.hex");
        var reader = new NetlinkMessageReader(datagram);
        Assert.True(reader.MoveNext());
        var link = LinkMessage.Decode(reader.Current);
        Assert.Equal(7, link.Index);
        Assert.Equal("v0", link.Name);
        Assert.Equal(1500u, link.Mtu);
        Assert.Equal("veth", link.Kind);
        Assert.Equal("9e6dacd8b21e", Hex.Format(link.HardwareAddress));
        Assert.Equal(0x1002u, link.Flags);
        Assert.False(link.IsUp);
        Assert.False(reader.MoveNext());
    }

    [Fact]
    public void Error_with_extended_ack_carries_text_and_offset()
    {
        // NLMSG_ERROR, flags CAPPED|ACK_TLVS: -EOPNOTSUPP, echoed header only, then NLMSGERR_ATTR_MSG and _OFFS.
        var datagram = Hex.Parse("""
            48 00 00 00 02 00 00 03 07 00 00 00 09 00 00 00   // len 72, NLMSG_ERROR, CAPPED|ACK_TLVS
            a1 ff ff ff                                       // error -95
            40 00 00 00 10 00 05 06 07 00 00 00 09 00 00 00   // echoed request header
            19 00 01 00 55 6e 6b 6e 6f 77 6e 20 64 65 76 69 63 65 20 74 79 70 65 2e 00 00 00 00 // MSG "Unknown device type."
            08 00 02 00 30 00 00 00                           // OFFS 48 (illustrative)
            """);
        var reader = new NetlinkMessageReader(datagram);
        Assert.True(reader.MoveNext());
        var error = ErrorMessage.DecodeError(reader.Current);
        Assert.Equal(Errno.EOPNOTSUPP, error.Errno);
        Assert.Equal("Unknown device type.", error.ExtAckMessage);
        Assert.Equal(48, error.ExtAckOffset);
    }

    [Fact]
    public void Exception_text_names_operation_errno_and_kernel_reason()
    {
        var e = new NetlinkException("add address 10.0.0.1/24 on link #3", Errno.EPERM, "Permission denied", -1, 9);
        Assert.Contains("needs CAP_NET_ADMIN", e.Message);
        Assert.Contains("add address 10.0.0.1/24 on link #3", e.Message);
        Assert.Contains("EPERM", e.Message);
        Assert.Contains("Permission denied", e.Message);
        Assert.Contains("already exists", new NetlinkException("x", Errno.EEXIST).Message);
        Assert.Contains("link not found", new NetlinkException("x", Errno.ENODEV).Message);
        Assert.Contains("not assigned", new NetlinkException("x", Errno.EADDRNOTAVAIL).Message);
    }

    [Fact]
    public void Multipath_route_decodes_every_next_hop()
    {
        // RTM_NEWROUTE default via 10.1.0.1 dev #3 and 10.2.0.1 dev #4 (RTA_MULTIPATH), main table, metric 20.
        var datagram = Hex.Parse("""
            50 00 00 00 18 00 02 00 01 00 00 00 00 00 00 00   // len 80, RTM_NEWROUTE, MULTI
            02 00 00 00 fe 03 00 01 00 00 00 00               // AF_INET dst_len 0 table 254 proto boot scope 0 unicast
            08 00 0f 00 fe 00 00 00                           // RTA_TABLE 254
            08 00 06 00 14 00 00 00                           // RTA_PRIORITY 20
            24 00 09 00                                       // RTA_MULTIPATH (36)
            10 00 00 00 03 00 00 00 08 00 05 00 0a 01 00 01   //   rtnexthop len 16 ifindex 3, RTA_GATEWAY 10.1.0.1
            10 00 00 01 04 00 00 00 08 00 05 00 0a 02 00 01   //   rtnexthop len 16 hops 1 ifindex 4, RTA_GATEWAY 10.2.0.1
            """);
        var reader = new NetlinkMessageReader(datagram);
        Assert.True(reader.MoveNext());
        var route = RouteMessage.Decode(reader.Current);
        Assert.True(route.IsDefault);
        Assert.Equal(20u, route.Priority);
        Assert.Equal([3, 4], route.NextHops.Select(h => h.InterfaceIndex));
        Assert.Equal(IPAddress.Parse("10.2.0.1"), route.NextHops[1].Gateway);
        Assert.Equal(2, route.NextHops[1].Weight);
    }
}
