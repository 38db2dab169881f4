using System.Runtime.InteropServices;
using Purelb.Netlink.Interop;

namespace Purelb.Netlink.Codec;

/// <summary>
/// Splits one received datagram into netlink messages. A header that is truncated, shorter than itself or whose
/// length runs past the datagram throws <see cref="NetlinkDecodeException"/> (or, with throwOnError false,
/// stops the enumeration with <see cref="Error"/> set).
/// </summary>
public ref struct NetlinkMessageReader
{
    public const int HeaderSize = 16;

    private readonly ReadOnlySpan<byte> _datagram;
    private readonly bool _throw;
    private int _next;
    private NetlinkMessage _current;
    private DecodeError _error;

    public NetlinkMessageReader(ReadOnlySpan<byte> datagram, bool throwOnError = true)
    {
        _datagram = datagram;
        _throw = throwOnError;
        _next = 0;
        _current = default;
        _error = default;
    }

    public readonly NetlinkMessage Current => _current;

    public readonly DecodeError Error => _error;

    public bool MoveNext()
    {
        if (_error.IsError) return false;
        int remaining = _datagram.Length - _next;
        if (remaining <= 0) return false;
        if (remaining < HeaderSize) return Fail("message header truncated");
        var header = MemoryMarshal.Read<NlMsgHdr>(_datagram.Slice(_next));
        if (header.nlmsg_len < HeaderSize) return Fail("nlmsg_len below header size");
        if (header.nlmsg_len > (uint)remaining) return Fail("nlmsg_len past end of datagram");
        int len = (int)header.nlmsg_len;
        _current = new NetlinkMessage(header.nlmsg_type, header.nlmsg_flags, header.nlmsg_seq, header.nlmsg_pid,
            _datagram.Slice(_next + HeaderSize, len - HeaderSize), _next);
        _next = Math.Min(_next + NetlinkConstants.Align(len), _datagram.Length);
        return true;
    }

    private bool Fail(string reason)
    {
        DecodeError.Fail(ref _error, reason, _next, _throw);
        _next = _datagram.Length;
        return false;
    }

    public readonly NetlinkMessageReader GetEnumerator() => this;
}
