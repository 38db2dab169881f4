using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Purelb.Netlink.Interop;

namespace Purelb.Netlink.Codec;

/// <summary>
/// Cursor over a run of netlink attributes (rtattr/nlattr TLVs). Every length is checked against the span before
/// it is used. By default an inconsistency throws <see cref="NetlinkDecodeException"/> with the datagram offset;
/// created with throwOnError false, the first error sticks in <see cref="Error"/>, <see cref="MoveNext"/> returns
/// false and getters return zero. Nested readers inherit the mode.
/// </summary>
public ref struct AttributeReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly int _baseOffset;
    private readonly bool _throw;
    private int _next;
    private ushort _type;
    private ushort _rawType;
    private ReadOnlySpan<byte> _value;
    private int _valueOffset;
    private DecodeError _error;

    /// <param name="data">The attribute run.</param>
    /// <param name="baseOffset">Offset of <paramref name="data"/> in the datagram, for error reports.</param>
    public AttributeReader(ReadOnlySpan<byte> data, int baseOffset, bool throwOnError = true)
    {
        _data = data;
        _baseOffset = baseOffset;
        _throw = throwOnError;
        _next = 0;
        _type = 0;
        _rawType = 0;
        _value = default;
        _valueOffset = 0;
        _error = default;
    }

    /// <summary>Attribute type with NLA_F_NESTED and NLA_F_NET_BYTEORDER masked off.</summary>
    public readonly ushort Type => _type;

    public readonly bool IsNestedFlagSet => (_rawType & NetlinkConstants.NLA_F_NESTED) != 0;

    public readonly ReadOnlySpan<byte> Value => _value;

    /// <summary>Offset of the current value in the datagram.</summary>
    public readonly int ValueOffset => _valueOffset;

    /// <summary>The first error met (non-throwing mode only).</summary>
    public readonly DecodeError Error => _error;

    internal readonly bool ThrowsOnError => _throw;

    public bool MoveNext()
    {
        if (_error.IsError) return false;
        int remaining = _data.Length - _next;
        if (remaining <= 0) return false;
        int at = _baseOffset + _next;
        if (remaining < 4) return Fail("attribute header truncated", at);
        int len = BinaryPrimitives.ReadUInt16LittleEndian(_data.Slice(_next));
        if (len < 4) return Fail("attribute length below header size", at);
        if (len > remaining) return Fail("attribute length past end of message", at);
        _rawType = BinaryPrimitives.ReadUInt16LittleEndian(_data.Slice(_next + 2));
        _type = (ushort)(_rawType & NetlinkConstants.NLA_TYPE_MASK);
        _value = _data.Slice(_next + 4, len - 4);
        _valueOffset = at + 4;
        // The final attribute's padding may be missing from the datagram; never step past the end.
        _next = Math.Min(_next + NetlinkConstants.Align(len), _data.Length);
        return true;
    }

    public byte GetU8() => _value.Length == 1 ? _value[0] : Wrong<byte>(1);

    public ushort GetU16() => _value.Length == 2 ? MemoryMarshal.Read<ushort>(_value) : Wrong<ushort>(2);

    public uint GetU32() => _value.Length == 4 ? MemoryMarshal.Read<uint>(_value) : Wrong<uint>(4);

    public int GetS32() => unchecked((int)GetU32());

    /// <summary>Reads a fixed-size kernel struct; the attribute must be exactly that size.</summary>
    internal T GetStruct<T>() where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        return _value.Length == size ? MemoryMarshal.Read<T>(_value) : Wrong<T>(size);
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

    /// <summary>A reader over the nested attributes in the current value (same error mode).</summary>
    public readonly AttributeReader GetNested() => new(_value, _valueOffset, _throw);

    /// <summary>Records a failure found by the caller (or a nested reader's error) in this reader.</summary>
    public bool Fail(string reason, int offset)
    {
        DecodeError.Fail(ref _error, reason, offset, _throw);
        _next = _data.Length;
        return false;
    }

    /// <summary>Takes over a nested reader's error, if it has one; returns false then.</summary>
    public bool Absorb(in AttributeReader nested) => !nested._error.IsError || Fail(nested._error.Reason!, nested._error.Offset);

    private T Wrong<T>(int expected) where T : unmanaged
    {
        Fail($"attribute type {_type} has {_value.Length} bytes, expected {expected}", _valueOffset);
        return default;
    }
}
