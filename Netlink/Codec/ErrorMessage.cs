using System.Buffers.Binary;
using Purelb.Netlink.Interop;

namespace Purelb.Netlink.Codec;

/// <summary>Decoded NLMSG_ERROR / NLMSG_DONE payload: errno (0 = ACK) plus the extended-ACK text and offset.</summary>
public readonly record struct ErrorMessage(Errno Errno, string? ExtAckMessage, int ExtAckOffset)
{
    /// <summary>
    /// NLMSG_ERROR payload: s32 -errno, the echoed request header (and its payload unless NLM_F_CAPPED), then
    /// extended-ACK attributes when NLM_F_ACK_TLVS is set. Text is decoded only for errors.
    /// </summary>
    public static ErrorMessage DecodeError(in NetlinkMessage message)
    {
        var payload = message.Payload;
        if (payload.Length < 4 + NetlinkMessageReader.HeaderSize)
            throw new NetlinkDecodeException("NLMSG_ERROR payload shorter than struct nlmsgerr", message.PayloadOffset);
        int error = BinaryPrimitives.ReadInt32LittleEndian(payload);
        if (error > 0) throw new NetlinkDecodeException("NLMSG_ERROR carries a positive errno", message.PayloadOffset);
        if (error == 0 || (message.Flags & NetlinkConstants.NLM_F_ACK_TLVS) == 0)
            return new ErrorMessage((Errno)(-error), null, -1);
        int tlvStart = 4 + NetlinkMessageReader.HeaderSize;
        if ((message.Flags & NetlinkConstants.NLM_F_CAPPED) == 0)
        {
            uint echoedLength = BinaryPrimitives.ReadUInt32LittleEndian(payload.Slice(4));
            if (echoedLength < NetlinkMessageReader.HeaderSize || echoedLength > (uint)(payload.Length - 4))
                throw new NetlinkDecodeException("echoed request length in NLMSG_ERROR is inconsistent", message.PayloadOffset + 4);
            tlvStart = 4 + NetlinkConstants.Align((int)echoedLength);
        }
        return DecodeTlvs((Errno)(-error), payload, tlvStart, message.PayloadOffset);
    }

    /// <summary>NLMSG_DONE payload: optional s32 status (negative errno), then extended-ACK attributes.</summary>
    public static ErrorMessage DecodeDone(in NetlinkMessage message)
    {
        var payload = message.Payload;
        if (payload.Length < 4) return new ErrorMessage(Errno.None, null, -1);
        int status = BinaryPrimitives.ReadInt32LittleEndian(payload);
        if (status >= 0) return new ErrorMessage(Errno.None, null, -1);
        if ((message.Flags & NetlinkConstants.NLM_F_ACK_TLVS) == 0) return new ErrorMessage((Errno)(-status), null, -1);
        return DecodeTlvs((Errno)(-status), payload, 4, message.PayloadOffset);
    }

    private static ErrorMessage DecodeTlvs(Errno errno, ReadOnlySpan<byte> payload, int tlvStart, int payloadOffset)
    {
        string? text = null;
        int offset = -1;
        if (tlvStart >= payload.Length) return new ErrorMessage(errno, null, -1);
        var attrs = new AttributeReader(payload.Slice(tlvStart), payloadOffset + tlvStart);
        while (attrs.MoveNext())
        {
            switch (attrs.Type)
            {
                case NetlinkConstants.NLMSGERR_ATTR_MSG:
                    text = attrs.GetString().TrimEnd();
                    break;
                case NetlinkConstants.NLMSGERR_ATTR_OFFS:
                    offset = (int)Math.Min(attrs.GetU32(), int.MaxValue);
                    break;
            }
        }
        return new ErrorMessage(errno, text, offset);
    }
}
