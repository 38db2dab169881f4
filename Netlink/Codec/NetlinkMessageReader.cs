using System.Runtime.InteropServices;
using Purelb.Netlink.Interop;

namespace Purelb.Netlink.Codec;

/// <summary>
/// Splits one received datagram into netlink messages. A header that is truncated, shorter than itself or whose
/// length runs past the datagram throws <see cref="NetlinkDecodeException"/>.
/// </summary>
public ref struct NetlinkMessageReader
{
    public const int HeaderSize = 16;

    private readonly ReadOnlySpan<byte> _datagram;
    private int _next;
    private NetlinkMessage _current;

    public NetlinkMessageReader(ReadOnlySpan<byte> datagram)
    {
        _datagram = datagram;
        _next = 0;
        _current = default;
    }

    public readonly NetlinkMessage Current => _current;

    public bool MoveNext()
    {
        int remaining = _datagram.Length - _next;
        if (remaining <= 0) return false;
        if (remaining < HeaderSize) throw new NetlinkDecodeException("message header truncated", _next);
        var header = MemoryMarshal.Read<NlMsgHdr>(_datagram.Slice(_next));
        if (header.nlmsg_len < HeaderSize) throw new NetlinkDecodeException("nlmsg_len below header size", _next);
        if (header.nlmsg_len > (uint)remaining) throw new NetlinkDecodeException("nlmsg_len past end of datagram", _next);
        int len = (int)header.nlmsg_len;
        _current = new NetlinkMessage(header.nlmsg_type, header.nlmsg_flags, header.nlmsg_seq, header.nlmsg_pid,
            _datagram.Slice(_next + HeaderSize, len - HeaderSize), _next);
        _next = Math.Min(_next + NetlinkConstants.Align(len), _datagram.Length);
        return true;
    }

    public readonly NetlinkMessageReader GetEnumerator() => this;
}
