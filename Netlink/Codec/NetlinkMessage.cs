using Purelb.Netlink.Interop;

namespace Purelb.Netlink.Codec;

/// <summary>One netlink message inside a received datagram: header fields plus the payload after the header.</summary>
public readonly ref struct NetlinkMessage
{
    internal NetlinkMessage(ushort type, ushort flags, uint sequence, uint portId, ReadOnlySpan<byte> payload, int offset)
    {
        Type = type;
        Flags = flags;
        Sequence = sequence;
        PortId = portId;
        Payload = payload;
        Offset = offset;
    }

    public ushort Type { get; }
    public ushort Flags { get; }
    public uint Sequence { get; }
    public uint PortId { get; }

    /// <summary>The bytes after the 16-byte header, bounded by nlmsg_len.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>Offset of the header in the datagram.</summary>
    public int Offset { get; }

    /// <summary>Offset of the payload in the datagram.</summary>
    public int PayloadOffset => Offset + NetlinkMessageReader.HeaderSize;

    /// <summary>
    /// Reads the family header (ifinfomsg, ifaddrmsg, rtmsg...) at the start of the payload and positions an
    /// attribute reader after it. False (or a throw) when the payload is shorter than the header.
    /// </summary>
    internal bool TryReadFamilyHeader<T>(out T header, out AttributeReader attributes, ref DecodeError error, bool throwOnError) where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (Payload.Length < size)
        {
            header = default;
            attributes = default;
            return DecodeError.Fail(ref error, $"message type {Type} payload of {Payload.Length} bytes is shorter than its {size}-byte family header",
                PayloadOffset, throwOnError);
        }
        header = System.Runtime.InteropServices.MemoryMarshal.Read<T>(Payload);
        int attrStart = NetlinkConstants.Align(size);
        attributes = attrStart >= Payload.Length
            ? new AttributeReader(default, PayloadOffset + Payload.Length, throwOnError)
            : new AttributeReader(Payload.Slice(attrStart), PayloadOffset + attrStart, throwOnError);
        return true;
    }
}
