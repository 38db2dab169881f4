using System.Net;
using Purelb.Netlink;
using Purelb.Netlink.Raw;
using Xunit;

namespace Purelb.Tests.Netlink;

/// <summary>
/// GARP and unsolicited NA sent from one namespace and captured byte for byte in the peer namespace at the other
/// end of a veth (agent.md §3.6). The expected frames are written out here field by field, not built by the sender.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class RawSenderTests : IDisposable
{
    private readonly TestNamespace _node = new();
    private readonly TestNamespace _peer = new();

    public RawSenderTests()
    {
        _node.Ip($"link add a0 type veth peer name b0 netns {_peer.Name}");
        _node.Ip("link set a0 up");
        _peer.Ip("link set b0 up");
    }

    public void Dispose()
    {
        _node.Dispose();
        _peer.Dispose();
    }

    [Fact]
    public void Gratuitous_arp_is_a_request_and_a_reply_byte_exact()
    {
        using var rtnl = RtNetlink.Open(_node.Namespace);
        var link = rtnl.Links.GetByName("a0");
        using var capture = new PacketCapture(_peer.Namespace, _peer.IfIndex("b0"));
        using var sender = new GratuitousArpSender(_node.Namespace);
        sender.Send(link, IPAddress.Parse("192.0.2.99"));

        var arp = capture.Receive(TimeSpan.FromSeconds(3), f => f.Count(IsArp) >= 2).Where(IsArp).ToList();
        Assert.Equal(2, arp.Count);
        string mac = Hex.Format(link.HardwareAddress);
        foreach (var (frame, opcode) in arp.Zip(new[] { "0001", "0002" }))
        {
            var expected = Hex.Parse($"""
                ffffffffffff            // Ethernet destination: broadcast
                {mac}                   // Ethernet source: a0's MAC
                0806                    // EtherType ARP
                0001 0800 06 04         // htype Ethernet, ptype IPv4, hlen 6, plen 4
                {opcode}                // opcode: request, then reply
                {mac} c0000263          // sender MAC, sender IP 192.0.2.99
                ffffffffffff c0000263   // target MAC broadcast, target IP 192.0.2.99
                000000000000000000000000000000000000 // zero pad to 60 bytes
                """);
            Assert.Equal(60, expected.Length);
            Assert.Equal(Hex.Format(expected), Hex.Format(frame));
        }
    }

    [Fact]
    public void Unsolicited_neighbor_advertisement_is_byte_exact_with_valid_checksum()
    {
        using var rtnl = RtNetlink.Open(_node.Namespace);
        var link = rtnl.Links.GetByName("a0");
        var source = WaitForLinkLocal(rtnl, link.Index);
        using var capture = new PacketCapture(_peer.Namespace, _peer.IfIndex("b0"));
        using var sender = new NeighborAdvertisementSender(_node.Namespace);
        var target = IPAddress.Parse("2001:db8:5::99");
        sender.Send(link, target, source);

        var frame = capture.Receive(TimeSpan.FromSeconds(3), f => f.Any(IsNeighborAdvertisement)).Single(IsNeighborAdvertisement);
        string mac = Hex.Format(link.HardwareAddress);
        string src = Hex.Format(source.GetAddressBytes());
        Assert.Equal(14 + 40 + 32, frame.Length);
        var expectedWithoutChecksum = Hex.Parse($"""
            333300000001            // Ethernet destination: IPv6 multicast for ff02::1
            {mac}                   // Ethernet source
            86dd                    // EtherType IPv6
            60000000                // version 6, traffic class 0, flow label 0
            0020 3a ff              // payload length 32, next header ICMPv6, hop limit 255
            {src}                   // source: a0's link-local address
            ff020000000000000000000000000001 // destination ff02::1
            88 00 0000              // ICMPv6 type 136, code 0, checksum (checked below)
            20000000                // flags R=0 S=0 O=1, reserved
            20010db8000500000000000000000099 // target 2001:db8:5::99
            02 01 {mac}             // option Target Link-Layer Address, length 1 (8 bytes), MAC
            """);
        var checksumless = frame.ToArray();
        checksumless[14 + 40 + 2] = 0;
        checksumless[14 + 40 + 3] = 0;
        Assert.Equal(Hex.Format(expectedWithoutChecksum), Hex.Format(checksumless));

        // RFC 4443 §2.3: the one's-complement sum over pseudo-header and message, checksum included, is 0xFFFF.
        Assert.Equal(0xFFFF, OnesComplementSum(frame.AsSpan(14 + 8, 32), frame.AsSpan(14 + 40)));
        // And our own helper computes the same value the kernel wrote.
        ushort kernel = (ushort)((frame[14 + 40 + 2] << 8) | frame[14 + 40 + 3]);
        Assert.Equal(kernel, NeighborAdvertisementMessage.Checksum(source, IPAddress.Parse("ff02::1"), frame.AsSpan(14 + 40)));
    }

    [Fact]
    public void Neighbor_advertisement_refuses_a_non_link_local_source()
    {
        using var sender = new NeighborAdvertisementSender(_node.Namespace);
        Assert.Throws<ArgumentException>(() => sender.Send(1, new byte[6], IPAddress.Parse("2001:db8::1"), IPAddress.Parse("2001:db8::2")));
    }

    private static bool IsArp(byte[] f) => f.Length >= 14 && f[12] == 0x08 && f[13] == 0x06;

    private static bool IsNeighborAdvertisement(byte[] f) =>
        f.Length >= 14 + 40 + 1 && f[12] == 0x86 && f[13] == 0xDD && f[14 + 6] == 58 && f[14 + 40] == 136;

    private static IPAddress WaitForLinkLocal(RtNetlink rtnl, int index)
    {
        for (int i = 0; i < 50; i++)
        {
            var ll = NeighborAdvertisementSender.FindLinkLocal(rtnl.Addresses, index);
            if (ll is not null) return ll;
            Thread.Sleep(100);
        }
        throw new InvalidOperationException("a0 never got a link-local address");
    }

    /// <summary>Sum of 16-bit words over source+destination (32 bytes), upper-layer length, next header and data.</summary>
    private static int OnesComplementSum(ReadOnlySpan<byte> addresses, ReadOnlySpan<byte> icmp)
    {
        long sum = 0;
        for (int i = 0; i < addresses.Length; i += 2) sum += (addresses[i] << 8) | addresses[i + 1];
        sum += icmp.Length;
        sum += 58;
        for (int i = 0; i < icmp.Length; i += 2) sum += (icmp[i] << 8) | (i + 1 < icmp.Length ? icmp[i + 1] : 0);
        while (sum >> 16 != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (int)sum;
    }
}
