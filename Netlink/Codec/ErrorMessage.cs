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
        Codec.DecodeError error = default;
        TryDecodeErrorCore(message, out var result, ref error, throwOnError: true);
        return result;
    }

    public static bool TryDecodeError(in NetlinkMessage message, out ErrorMessage result, out DecodeError error)
    {
        error = default;
        return TryDecodeErrorCore(message, out result, ref error, throwOnError: false);
    }

    /// <summary>NLMSG_DONE payload: optional s32 status (negative errno), then extended-ACK attributes.</summary>
    public static ErrorMessage DecodeDone(in NetlinkMessage message)
    {
        Codec.DecodeError error = default;
        TryDecodeDoneCore(message, out var result, ref error, throwOnError: true);
        return result;
    }

    public static bool TryDecodeDone(in NetlinkMessage message, out ErrorMessage result, out DecodeError error)
    {
        error = default;
        return TryDecodeDoneCore(message, out result, ref error, throwOnError: false);
    }

    private static bool TryDecodeErrorCore(in NetlinkMessage message, out ErrorMessage result, ref DecodeError error, bool throwOnError)
    {
        result = default;
        var payload = message.Payload;
        if (payload.Length < 4 + NetlinkMessageReader.HeaderSize)
            return Codec.DecodeError.Fail(ref error, "NLMSG_ERROR payload shorter than struct nlmsgerr", message.PayloadOffset, throwOnError);
        int code = BinaryPrimitives.ReadInt32LittleEndian(payload);
        if (code > 0)
            return Codec.DecodeError.Fail(ref error, "NLMSG_ERROR carries a positive errno", message.PayloadOffset, throwOnError);
        if (code == 0 || (message.Flags & NetlinkConstants.NLM_F_ACK_TLVS) == 0)
        {
            result = new ErrorMessage((Errno)(-code), null, -1);
            return true;
        }
        int tlvStart = 4 + NetlinkMessageReader.HeaderSize;
        if ((message.Flags & NetlinkConstants.NLM_F_CAPPED) == 0)
        {
            uint echoedLength = BinaryPrimitives.ReadUInt32LittleEndian(payload.Slice(4));
            if (echoedLength < NetlinkMessageReader.HeaderSize || echoedLength > (uint)(payload.Length - 4))
                return Codec.DecodeError.Fail(ref error, "echoed request length in NLMSG_ERROR is inconsistent", message.PayloadOffset + 4, throwOnError);
            tlvStart = 4 + NetlinkConstants.Align((int)echoedLength);
        }
        return TryDecodeTlvs((Errno)(-code), payload, tlvStart, message.PayloadOffset, out result, ref error, throwOnError);
    }

    private static bool TryDecodeDoneCore(in NetlinkMessage message, out ErrorMessage result, ref DecodeError error, bool throwOnError)
    {
        result = new ErrorMessage(Errno.None, null, -1);
        var payload = message.Payload;
        if (payload.Length < 4) return true;
        int status = BinaryPrimitives.ReadInt32LittleEndian(payload);
        if (status >= 0) return true;
        result = new ErrorMessage((Errno)(-status), null, -1);
        if ((message.Flags & NetlinkConstants.NLM_F_ACK_TLVS) == 0) return true;
        return TryDecodeTlvs((Errno)(-status), payload, 4, message.PayloadOffset, out result, ref error, throwOnError);
    }

    private static bool TryDecodeTlvs(Errno errno, ReadOnlySpan<byte> payload, int tlvStart, int payloadOffset,
        out ErrorMessage result, ref DecodeError error, bool throwOnError)
    {
        string? text = null;
        int offset = -1;
        result = new ErrorMessage(errno, null, -1);
        if (tlvStart >= payload.Length) return true;
        var attrs = new AttributeReader(payload.Slice(tlvStart), payloadOffset + tlvStart, throwOnError);
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
        if (attrs.Error.IsError)
        {
            error = attrs.Error;
            return false;
        }
        result = new ErrorMessage(errno, text, offset);
        return true;
    }
}
