using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Purelb.Netlink.Interop;

namespace Purelb.Netlink.Codec;

/// <summary>
/// Cursor over a run of netlink attributes (rtattr/nlattr TLVs). Every length is checked against the span before
/// it is used; any inconsistency throws <see cref="NetlinkDecodeException"/> with the datagram offset.
/// </summary>
public ref struct AttributeReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _baseOffset;
    private int _next;
    private ushort _type;
    private ushort _rawType;
    private ReadOnlySpan<byte> _value;
    private int _valueOffset;

    /// <param name="data">The attribute run.</param>
    /// <param name="baseOffset">Offset of <paramref name="data"/> in the datagram, for error reports.</param>
    public AttributeReader(ReadOnlySpan<byte> data, int baseOffset)
    {
        _data = data;
        _baseOffset = baseOffset;
        _next = 0;
        _type = 0;
        _rawType = 0;
        _value = default;
        _valueOffset = 0;
    }

    /// <summary>Attribute type with NLA_F_NESTED and NLA_F_NET_BYTEORDER masked off.</summary>
    public readonly ushort Type => _type;

    public readonly bool IsNestedFlagSet => (_rawType & NetlinkConstants.NLA_F_NESTED) != 0;

    public readonly ReadOnlySpan<byte> Value => _value;

    /// <summary>Offset of the current value in the datagram.</summary>
    public readonly int ValueOffset => _valueOffset;

    public bool MoveNext()
    {
        int remaining = _data.Length - _next;
        if (remaining <= 0) return false;
        int at = _baseOffset + _next;
        if (remaining < 4) throw new NetlinkDecodeException("attribute header truncated", at);
        int len = BinaryPrimitives.ReadUInt16LittleEndian(_data.Slice(_next));
        if (len < 4) throw new NetlinkDecodeException("attribute length below header size", at);
        if (len > remaining) throw new NetlinkDecodeException("attribute length past end of message", at);
        _rawType = BinaryPrimitives.ReadUInt16LittleEndian(_data.Slice(_next + 2));
        _type = (ushort)(_rawType & NetlinkConstants.NLA_TYPE_MASK);
        _value = _data.Slice(_next + 4, len - 4);
        _valueOffset = at + 4;
        // The final attribute's padding may be missing from the datagram; never step past the end.
        _next = Math.Min(_next + NetlinkConstants.Align(len), _data.Length);
        return true;
    }

    public readonly byte GetU8()
    {
        if (_value.Length != 1) throw Wrong(1);
        return _value[0];
    }

    public readonly ushort GetU16()
    {
        if (_value.Length != 2) throw Wrong(2);
        return MemoryMarshal.Read<ushort>(_value);
    }

    public readonly uint GetU32()
    {
        if (_value.Length != 4) throw Wrong(4);
        return MemoryMarshal.Read<uint>(_value);
    }

    public readonly int GetS32() => unchecked((int)GetU32());

    /// <summary>Reads a fixed-size kernel struct; the attribute must be exactly that size.</summary>
    internal readonly T GetStruct<T>() where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (_value.Length != size) throw Wrong(size);
        return MemoryMarshal.Read<T>(_value);
    }

    /// <summary>A string up to the first NUL (or the whole value when there is none).</summary>
    public readonly string GetString()
    {
        var bytes = _value;
        int nul = bytes.IndexOf((byte)0);
        if (nul >= 0) bytes = bytes.Slice(0, nul);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Compares the string value (up to the first NUL) with <paramref name="expected"/> without allocating.</summary>
    public readonly bool StringEquals(ReadOnlySpan<byte> expected)
    {
        var bytes = _value;
        int nul = bytes.IndexOf((byte)0);
        if (nul >= 0) bytes = bytes.Slice(0, nul);
        return bytes.SequenceEqual(expected);
    }

    /// <summary>A reader over the nested attributes in the current value.</summary>
    public readonly AttributeReader GetNested() => new(_value, _valueOffset);

    private readonly NetlinkDecodeException Wrong(int expected) =>
        new($"attribute type {_type} has {_value.Length} bytes, expected {expected}", _valueOffset);
}
