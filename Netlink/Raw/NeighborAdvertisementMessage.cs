using System.Net;
using System.Net.Sockets;

namespace Purelb.Netlink.Raw;

/// <summary>
/// The unsolicited Neighbour Advertisement of agent.md §3.6 (RFC 4861 §4.4): ICMPv6 type 136, code 0, flags
/// R=0 S=0 O=1, target = the announced address, one Target Link-Layer Address option (type 2, length 1) with
/// the NIC MAC. 32 bytes. The checksum field is left 0: the kernel fills it on ICMPv6 raw sockets.
/// </summary>
public static class NeighborAdvertisementMessage
{
    public const int Length = 32;
    public const byte IcmpTypeNeighborAdvertisement = 136;
    public const byte OverrideFlag = 0x20;

    public static void Write(Span<byte> message, IPAddress target, ReadOnlySpan<byte> mac)
    {
        if (message.Length < Length) throw new ArgumentException("a neighbour advertisement needs 32 bytes", nameof(message));
        if (mac.Length != 6) throw new ArgumentException("an Ethernet MAC has 6 bytes", nameof(mac));
        if (target.AddressFamily != AddressFamily.InterNetworkV6) throw new ArgumentException("neighbour advertisements are IPv6 only", nameof(target));
        message = message.Slice(0, Length);
        message.Clear();
        message[0] = IcmpTypeNeighborAdvertisement;
        message[1] = 0;              // code
        message[4] = OverrideFlag;   // R=0 S=0 O=1, then 29 reserved bits
        target.TryWriteBytes(message.Slice(8, 16), out _);
        message[24] = 2;             // option: Target Link-Layer Address
        message[25] = 1;             // option length in units of 8 bytes
        mac.CopyTo(message.Slice(26));
    }

    /// <summary>
    /// The ICMPv6 checksum (RFC 4443 §2.3): one's complement sum over the IPv6 pseudo-header (source,
    /// destination, upper-layer length, next header 58) and the message with its checksum field taken as 0.
    /// </summary>
    public static ushort Checksum(IPAddress source, IPAddress destination, ReadOnlySpan<byte> icmp)
    {
        Span<byte> addr = stackalloc byte[16];
        ulong sum = 0;
        source.TryWriteBytes(addr, out _);
        sum += SumWords(addr);
        destination.TryWriteBytes(addr, out _);
        sum += SumWords(addr);
        sum += (uint)icmp.Length;
        sum += 58;
        for (int i = 0; i + 1 < icmp.Length; i += 2)
            if (i != 2) sum += (uint)((icmp[i] << 8) | icmp[i + 1]);
        if ((icmp.Length & 1) != 0) sum += (uint)(icmp[^1] << 8);
        while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    private static ulong SumWords(ReadOnlySpan<byte> bytes)
    {
        ulong sum = 0;
        for (int i = 0; i < bytes.Length; i += 2) sum += (uint)((bytes[i] << 8) | bytes[i + 1]);
        return sum;
    }
}
