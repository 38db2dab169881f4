using System.Net;
using System.Net.Sockets;
using Purelb.Netlink.Codec;
using Purelb.Netlink.Route;
using Xunit;

namespace Purelb.Tests.Netlink;

/// <summary>
/// Every request encoding pinned byte for byte. The expected bytes are written by hand from the kernel ABI
/// (include/uapi/linux/{netlink,rtnetlink,if_link,if_addr}.h) and agent.md §8, one field per line; where iproute2
/// sends the same message, the capture (`strace -e sendmsg -xx ip ...`, Linux 6.18.44, iproute2 6.1.0) is
/// noted and agrees. Sequence 0x01020304 and port 0x0A0B0C0D make the header fields visible.
/// </summary>
public class GoldenRequestTests
{
    private const uint Seq = 0x01020304;
    private const uint Port = 0x0A0B0C0D;

    private static string Encode(NetlinkMessageWriter writer) => Hex.Format(writer.Finish(Seq, Port));

    [Fact]
    public void Create_dummy_matches_agent_spec_8_2_and_iproute2()
    {
        // agent.md §8.2: RTM_NEWLINK REQUEST|ACK|CREATE|EXCL, ifinfomsg all zero, IFLA_IFNAME NUL-terminated,
        // IFLA_LINKINFO { IFLA_INFO_KIND "dummy" without NUL }. `ip link add name kube-lb0 type dummy` sent the
        // same 64 bytes (apart from seq/pid).
        var expected = Hex.Parse("""
            40 00 00 00             // nlmsg_len 64
            10 00                   // RTM_NEWLINK
            05 06                   // NLM_F_REQUEST|NLM_F_ACK|NLM_F_EXCL|NLM_F_CREATE
            04 03 02 01             // seq
            0d 0c 0b 0a             // pid
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   // ifinfomsg: all zero
            0d 00 03 00 6b 75 62 65 2d 6c 62 30 00 00 00 00   // IFLA_IFNAME "kube-lb0\0" (13) + 3 pad
            10 00 12 00                                       // IFLA_LINKINFO, 16 bytes
            09 00 01 00 64 75 6d 6d 79 00 00 00               //   IFLA_INFO_KIND "dummy" (9, no NUL) + 3 pad
            """);
        Assert.Equal(Hex.Format(expected), Encode(LinkMessage.Create(new byte[256], "kube-lb0", "dummy")));
    }

    [Fact]
    public void Create_veth_pair_matches_iproute2()
    {
        // `ip link add va type veth peer name vb` sent these 84 bytes.
        var expected = Hex.Parse("""
            54 00 00 00 10 00 05 06 04 03 02 01 0d 0c 0b 0a   // len 84, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   // ifinfomsg zero
            07 00 03 00 76 61 00 00                           // IFLA_IFNAME "va\0" + pad
            2c 00 12 00                                       // IFLA_LINKINFO (44)
            08 00 01 00 76 65 74 68                           //   IFLA_INFO_KIND "veth"
            20 00 02 00                                       //   IFLA_INFO_DATA (32)
            1c 00 01 00                                       //     VETH_INFO_PEER (28)
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   //       ifinfomsg zero
            07 00 03 00 76 62 00 00                           //       IFLA_IFNAME "vb\0" + pad
            """);
        Assert.Equal(Hex.Format(expected), Encode(LinkMessage.CreateVeth(new byte[256], "va", "vb")));
    }

    [Fact]
    public void Get_link_by_name()
    {
        // agent.md §8.2: REQUEST|ACK, ifinfomsg zero, IFLA_EXT_MASK = RTEXT_FILTER_VF, IFLA_IFNAME.
        var expected = Hex.Parse("""
            34 00 00 00 12 00 05 00 04 03 02 01 0d 0c 0b 0a   // len 52, RTM_GETLINK, REQUEST|ACK
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   // ifinfomsg zero
            08 00 1d 00 01 00 00 00                           // IFLA_EXT_MASK = 1
            0c 00 03 00 65 74 68 30 2e 31 30 00               // IFLA_IFNAME "eth0.10\0" (12), no pad needed
            """);
        Assert.Equal(Hex.Format(expected), Encode(LinkMessage.GetByName(new byte[256], "eth0.10")));
    }

    [Fact]
    public void Get_link_by_long_name_uses_alt_ifname()
    {
        var bytes = LinkMessage.GetByName(new byte[256], "a-very-long-interface-name").Finish(Seq, Port).ToArray();
        Assert.Equal(0x35, bytes[16 + 16 + 8 + 2]); // IFLA_ALT_IFNAME (53) after the ext mask
    }

    [Fact]
    public void Get_link_by_index()
    {
        var expected = Hex.Parse("""
            28 00 00 00 12 00 05 00 04 03 02 01 0d 0c 0b 0a   // len 40, RTM_GETLINK, REQUEST|ACK
            00 00 00 00 2a 00 00 00 00 00 00 00 00 00 00 00   // ifinfomsg index 42
            08 00 1d 00 01 00 00 00                           // IFLA_EXT_MASK = 1
            """);
        Assert.Equal(Hex.Format(expected), Encode(LinkMessage.GetByIndex(new byte[256], 42)));
    }

    [Fact]
    public void Link_dump()
    {
        var expected = Hex.Parse("""
            20 00 00 00 12 00 01 03 04 03 02 01 0d 0c 0b 0a   // len 32, RTM_GETLINK, REQUEST|DUMP
            00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   // ifinfomsg zero (AF_UNSPEC)
            """);
        Assert.Equal(Hex.Format(expected), Encode(LinkMessage.Dump(new byte[256])));
    }

    [Fact]
    public void Set_link_up_matches_iproute2()
    {
        // `ip link set v0 up` (ifindex 3) sent exactly this.
        var expected = Hex.Parse("""
            20 00 00 00 10 00 05 00 04 03 02 01 0d 0c 0b 0a   // len 32, RTM_NEWLINK, REQUEST|ACK
            00 00 00 00 03 00 00 00                           // family 0, pad, type 0, index 3
            01 00 00 00 01 00 00 00                           // ifi_flags IFF_UP, ifi_change IFF_UP
            """);
        Assert.Equal(Hex.Format(expected), Encode(LinkMessage.SetUp(new byte[256], 3)));
    }

    [Fact]
    public void Delete_link_matches_iproute2()
    {
        // `ip link del v1` (ifindex 2) sent exactly this.
        var expected = Hex.Parse("""
            20 00 00 00 11 00 05 00 04 03 02 01 0d 0c 0b 0a   // len 32, RTM_DELLINK, REQUEST|ACK
            00 00 00 00 02 00 00 00 00 00 00 00 00 00 00 00   // ifinfomsg index 2
            """);
        Assert.Equal(Hex.Format(expected), Encode(LinkMessage.Delete(new byte[256], 2)));
    }

    [Fact]
    public void Add_ipv4_with_lifetimes_and_noprefixroute()
    {
        // agent.md §3.4/§8.3: IPv4 defaults = valid 300, preferred 300, NOPREFIXROUTE (> 0xFF → IFA_FLAGS);
        // attribute order LOCAL, ADDRESS, FLAGS, BROADCAST (prefix < 31), CACHEINFO (preferred first).
        var expected = Hex.Parse("""
            4c 00 00 00             // len 76
            14 00                   // RTM_NEWADDR
            05 05                   // REQUEST|ACK|REPLACE|CREATE
            04 03 02 01 0d 0c 0b 0a
            02 18 00 00 03 00 00 00 // ifaddrmsg: AF_INET, /24, flags 0, scope 0, index 3
            08 00 02 00 c0 a8 07 0a // IFA_LOCAL 192.168.7.10
            08 00 01 00 c0 a8 07 0a // IFA_ADDRESS 192.168.7.10
            08 00 08 00 00 02 00 00 // IFA_FLAGS 0x200 NOPREFIXROUTE
            08 00 04 00 c0 a8 07 ff // IFA_BROADCAST 192.168.7.255
            14 00 06 00 2c 01 00 00 2c 01 00 00 00 00 00 00 00 00 00 00 // IFA_CACHEINFO pref 300, valid 300
            """);
        var request = AddressMessage.Add(new byte[256], 3, IPAddress.Parse("192.168.7.10"), 24,
            new AddressOptions(300, 300, AddressFlags.NoPrefixRoute));
        Assert.Equal(Hex.Format(expected), Encode(request));
    }

    [Fact]
    public void Add_ipv6_deprecated_nodad_noprefixroute()
    {
        // IPv6 default with skip-DAD: valid 300, preferred 0 (deprecated), NOPREFIXROUTE|NODAD = 0x202 in IFA_FLAGS.
        // `ip addr replace fd00::10/64 dev v0 valid_lft 300 preferred_lft 0 noprefixroute nodad` sends the same
        // attributes (LOCAL, FLAGS, ADDRESS, CACHEINFO in its own order) in the same 92 bytes.
        var expected = Hex.Parse("""
            5c 00 00 00 14 00 05 05 04 03 02 01 0d 0c 0b 0a   // len 92, RTM_NEWADDR, REQUEST|ACK|REPLACE|CREATE
            0a 40 00 00 03 00 00 00                           // AF_INET6, /64, flags 0, scope 0, index 3
            14 00 02 00 fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 10 // IFA_LOCAL fd00::10
            14 00 01 00 fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 10 // IFA_ADDRESS fd00::10
            08 00 08 00 02 02 00 00                           // IFA_FLAGS 0x202
            14 00 06 00 00 00 00 00 2c 01 00 00 00 00 00 00 00 00 00 00 // IFA_CACHEINFO pref 0, valid 300
            """);
        var request = AddressMessage.Add(new byte[256], 3, IPAddress.Parse("fd00::10"), 64,
            new AddressOptions(300, 0, AddressFlags.NoPrefixRoute | AddressFlags.NoDad));
        Assert.Equal(Hex.Format(expected), Encode(request));
    }

    [Fact]
    public void Add_permanent_nodad_only_uses_header_flags_and_no_cacheinfo()
    {
        // NODAD alone fits in ifa_flags; lifetimes 0/0 mean permanent, so no IFA_CACHEINFO. CREATE|EXCL for Add.
        var expected = Hex.Parse("""
            40 00 00 00 14 00 05 06 04 03 02 01 0d 0c 0b 0a   // len 64, RTM_NEWADDR, REQUEST|ACK|EXCL|CREATE
            0a 80 02 00 07 00 00 00                           // AF_INET6, /128, ifa_flags NODAD, index 7
            14 00 02 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 // IFA_LOCAL 2001:db8::1
            14 00 01 00 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 // IFA_ADDRESS 2001:db8::1
            """);
        var request = AddressMessage.Add(new byte[256], 7, IPAddress.Parse("2001:db8::1"), 128,
            AddressOptions.Permanent(AddressFlags.NoDad), replace: false);
        Assert.Equal(Hex.Format(expected), Encode(request));
    }

    [Fact]
    public void Add_ipv4_slash32_has_no_broadcast()
    {
        var expected = Hex.Parse("""
            28 00 00 00 14 00 05 05 04 03 02 01 0d 0c 0b 0a   // len 40, RTM_NEWADDR, REQUEST|ACK|REPLACE|CREATE
            02 20 00 00 01 00 00 00                           // AF_INET, /32, index 1
            08 00 02 00 0a 00 00 01                           // IFA_LOCAL 10.0.0.1
            08 00 01 00 0a 00 00 01                           // IFA_ADDRESS 10.0.0.1
            """);
        Assert.Equal(Hex.Format(expected), Encode(AddressMessage.Add(new byte[256], 1, IPAddress.Parse("10.0.0.1"), 32, AddressOptions.Permanent())));
    }

    [Fact]
    public void Delete_ipv4_address()
    {
        var expected = Hex.Parse("""
            30 00 00 00 15 00 05 00 04 03 02 01 0d 0c 0b 0a   // len 48, RTM_DELADDR, REQUEST|ACK
            02 18 00 00 03 00 00 00                           // AF_INET, /24, index 3
            08 00 02 00 c0 a8 07 0a                           // IFA_LOCAL
            08 00 01 00 c0 a8 07 0a                           // IFA_ADDRESS
            08 00 04 00 c0 a8 07 ff                           // IFA_BROADCAST
            """);
        Assert.Equal(Hex.Format(expected), Encode(AddressMessage.Delete(new byte[256], 3, IPAddress.Parse("192.168.7.10"), 24)));
    }

    [Fact]
    public void Address_dump_matches_iproute2()
    {
        // `ip -4 addr show` sent this dump request.
        var expected = Hex.Parse("""
            18 00 00 00 16 00 01 03 04 03 02 01 0d 0c 0b 0a   // len 24, RTM_GETADDR, REQUEST|DUMP
            02 00 00 00 00 00 00 00                           // ifaddrmsg: AF_INET only
            """);
        Assert.Equal(Hex.Format(expected), Encode(AddressMessage.Dump(new byte[256], AddressFamily.InterNetwork)));
    }

    [Fact]
    public void Route_dump()
    {
        // agent.md §8.4: rtmsg with only the family set.
        var expected = Hex.Parse("""
            1c 00 00 00 1a 00 01 03 04 03 02 01 0d 0c 0b 0a   // len 28, RTM_GETROUTE, REQUEST|DUMP
            0a 00 00 00 00 00 00 00 00 00 00 00               // rtmsg: AF_INET6
            """);
        Assert.Equal(Hex.Format(expected), Encode(RouteMessage.Dump(new byte[256], AddressFamily.InterNetworkV6)));
    }

    [Fact]
    public void Ipv4_add_carries_the_same_attributes_as_iproute2()
    {
        // `ip addr add 192.168.7.10/24 dev v0 valid_lft 300 preferred_lft 300 noprefixroute` (ifindex 3) sent this;
        // it orders attributes differently and leaves IFA_BROADCAST out. Every attribute it sends, we send too.
        var iproute2 = Hex.Parse("""
            02 18 00 00 03 00 00 00 08 00 02 00 c0 a8 07 0a 08 00 08 00 00 02 00 00
            08 00 01 00 c0 a8 07 0a 14 00 06 00 2c 01 00 00 2c 01 00 00 00 00 00 00 00 00 00 00
            """);
        var ours = AddressMessage.Add(new byte[256], 3, IPAddress.Parse("192.168.7.10"), 24,
            new AddressOptions(300, 300, AddressFlags.NoPrefixRoute)).Finish(1, 0).ToArray();
        Assert.Equal(iproute2.AsSpan(0, 8).ToArray(), ours.AsSpan(16, 8).ToArray());
        var theirs = Attributes(iproute2.AsSpan(8));
        var mine = Attributes(ours.AsSpan(24));
        foreach (var (type, value) in theirs) Assert.Equal(value, mine[type]);
        Assert.Equal([1, 2, 4, 6, 8], mine.Keys.Order());
    }

    private static Dictionary<int, string> Attributes(ReadOnlySpan<byte> data)
    {
        var result = new Dictionary<int, string>();
        var reader = new AttributeReader(data, 0);
        while (reader.MoveNext()) result[reader.Type] = Hex.Format(reader.Value);
        return result;
    }
}
