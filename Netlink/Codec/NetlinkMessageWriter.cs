using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Purelb.Netlink.Interop;

namespace Purelb.Netlink.Codec;

/// <summary>
/// Builds one netlink request into a caller-owned buffer: the header is reserved first, attributes are appended
/// 4-byte aligned with zeroed padding, nested attributes get their length back-patched, and <see cref="Finish"/>
/// stamps length, sequence and port id. Nothing is allocated.
/// </summary>
public ref struct NetlinkMessageWriter
{
    private readonly Span<byte> _buffer;
    private int _length;

    public NetlinkMessageWriter(Span<byte> buffer, ushort type, ushort flags)
    {
        if (buffer.Length < NetlinkMessageReader.HeaderSize) throw new ArgumentException("buffer too small for a netlink header", nameof(buffer));
        _buffer = buffer;
        _buffer.Slice(0, NetlinkMessageReader.HeaderSize).Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.Slice(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.Slice(6), flags);
        _length = NetlinkMessageReader.HeaderSize;
    }

    public readonly int Length => _length;

    public readonly ushort Type => BinaryPrimitives.ReadUInt16LittleEndian(_buffer.Slice(4));

    public readonly ushort Flags => BinaryPrimitives.ReadUInt16LittleEndian(_buffer.Slice(6));

    /// <summary>Appends the family header (ifinfomsg, ifaddrmsg, rtmsg...), padded to 4 bytes.</summary>
    internal void WriteStruct<T>(in T value) where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var dest = Reserve(NetlinkConstants.Align(size));
        dest.Clear();
        MemoryMarshal.Write(dest, in value);
    }

    public void PutBytes(ushort type, scoped ReadOnlySpan<byte> value)
    {
        var dest = Reserve(NetlinkConstants.Align(4 + value.Length));
        WriteAttrHeader(dest, 4 + value.Length, type);
        value.CopyTo(dest.Slice(4));
        dest.Slice(4 + value.Length).Clear();
    }

    public void PutU32(ushort type, uint value)
    {
        Span<byte> v = stackalloc byte[4];
        MemoryMarshal.Write(v, in value);
        PutBytes(type, v);
    }

    internal void PutStruct<T>(ushort type, in T value) where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        var dest = Reserve(NetlinkConstants.Align(4 + size));
        WriteAttrHeader(dest, 4 + size, type);
        MemoryMarshal.Write(dest.Slice(4), in value);
        dest.Slice(4 + size).Clear();
    }

    /// <summary>ASCII/UTF-8 string with its terminating NUL (IFLA_IFNAME and friends).</summary>
    public void PutString(ushort type, string value) => PutStringCore(type, value, nulTerminated: true);

    /// <summary>String without a NUL (IFLA_INFO_KIND, as iproute2 and the kernel's policy expect).</summary>
    public void PutStringNoNul(ushort type, string value) => PutStringCore(type, value, nulTerminated: false);

    private void PutStringCore(ushort type, string value, bool nulTerminated)
    {
        int byteCount = System.Text.Encoding.UTF8.GetByteCount(value);
        int valueLen = byteCount + (nulTerminated ? 1 : 0);
        var dest = Reserve(NetlinkConstants.Align(4 + valueLen));
        WriteAttrHeader(dest, 4 + valueLen, type);
        dest.Slice(4).Clear();
        System.Text.Encoding.UTF8.GetBytes(value, dest.Slice(4));
    }

    /// <summary>Opens a nested attribute; pass the returned token to <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type)
    {
        int start = _length;
        var dest = Reserve(4);
        WriteAttrHeader(dest, 4, type);
        return start;
    }

    public void EndNested(int token)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.Slice(token), checked((ushort)(_length - token)));
    }

    /// <summary>Stamps nlmsg_len, nlmsg_seq and nlmsg_pid; returns the finished request.</summary>
    public ReadOnlySpan<byte> Finish(uint sequence, uint portId)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer, (uint)_length);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.Slice(8), sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.Slice(12), portId);
        return _buffer.Slice(0, _length);
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
            throw new InvalidOperationException($"netlink request of type {Type} does not fit in its {_buffer.Length}-byte buffer");
        var span = _buffer.Slice(_length, count);
        _length += count;
        return span;
    }

    private static void WriteAttrHeader(Span<byte> dest, int length, ushort type)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(dest, checked((ushort)length));
        BinaryPrimitives.WriteUInt16LittleEndian(dest.Slice(2), type);
    }
}
