using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Purelb.Netlink.Raw;

/// <summary>
/// The broadcast ARP frame of agent.md §3.6: Ethernet header, 28-byte ARP payload with sender and target IP both
/// the announced address and target MAC broadcast, zero-padded to the 60-byte Ethernet minimum (no FCS).
/// </summary>
public static class GratuitousArpFrame
{
    public const int Length = 60;
    public const ushort OpRequest = 1;
    public const ushort OpReply = 2;

    public static void Write(Span<byte> frame, ReadOnlySpan<byte> mac, IPAddress address, ushort opcode)
    {
        if (frame.Length < Length) throw new ArgumentException("an ARP frame needs 60 bytes", nameof(frame));
        if (mac.Length != 6) throw new ArgumentException("an Ethernet MAC has 6 bytes", nameof(mac));
        if (address.AddressFamily != AddressFamily.InterNetwork) throw new ArgumentException("gratuitous ARP is IPv4 only", nameof(address));
        frame = frame.Slice(0, Length);
        frame.Clear();
        frame.Slice(0, 6).Fill(0xFF);                                  // Ethernet destination: broadcast
        mac.CopyTo(frame.Slice(6));                                    // Ethernet source: NIC MAC
        BinaryPrimitives.WriteUInt16BigEndian(frame.Slice(12), 0x0806); // EtherType ARP
        BinaryPrimitives.WriteUInt16BigEndian(frame.Slice(14), 1);      // htype Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(frame.Slice(16), 0x0800); // ptype IPv4
        frame[18] = 6;                                                 // hlen
        frame[19] = 4;                                                 // plen
        BinaryPrimitives.WriteUInt16BigEndian(frame.Slice(20), opcode);
        mac.CopyTo(frame.Slice(22));                                   // sender MAC
        address.TryWriteBytes(frame.Slice(28, 4), out _);              // sender IP
        frame.Slice(32, 6).Fill(0xFF);                                 // target MAC: broadcast
        address.TryWriteBytes(frame.Slice(38, 4), out _);              // target IP
    }
}
