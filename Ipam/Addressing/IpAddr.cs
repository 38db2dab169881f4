using System.Net;
using System.Net.Sockets;

namespace Purelb.Ipam;

/// <summary>
/// An IPv4 or IPv6 address as a 128-bit integer plus its family. IPv4 (including the v4-mapped IPv6
/// form) is always held as a 32-bit value with family IPv4, so one address has one representation.
/// Ordering is by family, then by value, which is the 16-byte big-endian order within a family.
/// </summary>
public readonly struct IpAddr : IEquatable<IpAddr>, IComparable<IpAddr>
{
    // Two 64-bit halves rather than a UInt128 field: UInt128 is 16-byte aligned, which pads this struct to 32 bytes
    // where 24 do; the ledger keeps one per address in use, as a dictionary key and in its entry.
    private readonly ulong _upper;
    private readonly ulong _lower;

    private IpAddr(UInt128 value, IpFamily family)
    {
        _upper = (ulong)(value >> 64);
        _lower = (ulong)value;
        Family = family;
    }

    /// <summary>The address as an unsigned integer: 32 significant bits for IPv4, 128 for IPv6.</summary>
    public UInt128 Value => new(_upper, _lower);

    public IpFamily Family { get; }

    /// <summary>The largest value an address of <paramref name="family"/> can have.</summary>
    public static UInt128 MaxValue(IpFamily family) => family == IpFamily.IPv4 ? uint.MaxValue : UInt128.MaxValue;

    public static IpAddr FromV4(uint value) => new(value, IpFamily.IPv4);

    /// <summary>An IPv6 address; a v4-mapped value (::ffff:a.b.c.d) becomes the IPv4 address.</summary>
    public static IpAddr FromV6(UInt128 value) =>
        (value >> 32) == 0xffff ? new IpAddr((uint)value, IpFamily.IPv4) : new IpAddr(value, IpFamily.IPv6);

    public static IpAddr FromValue(UInt128 value, IpFamily family)
    {
        if (value > MaxValue(family)) throw new ArgumentOutOfRangeException(nameof(value));
        return new IpAddr(value, family);
    }

    /// <summary>
    /// Strict parse: dotted-quad IPv4 (four decimal octets, no leading zeros, nothing else) or an IPv6
    /// text without a zone. No whitespace is trimmed, matching the way annotation values are read.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out IpAddr address)
    {
        address = default;
        if (text.IsEmpty) return false;
        if (text.Contains(':'))
        {
            if (text.Contains('%') || text.Contains('/') || text.ContainsAny(' ', '\t')) return false;
            if (!IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
                return false;
            Span<byte> bytes = stackalloc byte[16];
            parsed.TryWriteBytes(bytes, out _);
            UInt128 value = new(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes),
                System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
            address = FromV6(value);
            return true;
        }
        return TryParseV4(text, out address);
    }

    private static bool TryParseV4(ReadOnlySpan<char> text, out IpAddr address)
    {
        address = default;
        uint value = 0;
        int octets = 0;
        int i = 0;
        while (true)
        {
            int start = i;
            uint octet = 0;
            while (i < text.Length && text[i] >= '0' && text[i] <= '9')
            {
                octet = octet * 10 + (uint)(text[i] - '0');
                i++;
                if (i - start > 3) return false;
            }
            int digits = i - start;
            if (digits == 0 || octet > 255 || (digits > 1 && text[start] == '0')) return false;
            value = (value << 8) | octet;
            octets++;
            if (octets == 4) break;
            if (i >= text.Length || text[i] != '.') return false;
            i++;
        }
        if (i != text.Length) return false;
        address = new IpAddr(value, IpFamily.IPv4);
        return true;
    }

    public static IpAddr Parse(string text) =>
        TryParse(text, out var a) ? a : throw new FormatException($"invalid IP address \"{text}\"");

    /// <summary>This address plus <paramref name="offset"/>; the caller keeps the sum inside the family.</summary>
    public IpAddr Add(UInt128 offset) => new(Value + offset, Family);

    public bool Equals(IpAddr other) => _lower == other._lower && _upper == other._upper && Family == other.Family;

    public override bool Equals(object? obj) => obj is IpAddr other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_upper, _lower, Family);

    public int CompareTo(IpAddr other) =>
        Family != other.Family ? Family.CompareTo(other.Family) : Value.CompareTo(other.Value);

    public static bool operator ==(IpAddr a, IpAddr b) => a.Equals(b);

    public static bool operator !=(IpAddr a, IpAddr b) => !a.Equals(b);

    public static bool operator <(IpAddr a, IpAddr b) => a.CompareTo(b) < 0;

    public static bool operator >(IpAddr a, IpAddr b) => a.CompareTo(b) > 0;

    public static bool operator <=(IpAddr a, IpAddr b) => a.CompareTo(b) <= 0;

    public static bool operator >=(IpAddr a, IpAddr b) => a.CompareTo(b) >= 0;

    /// <summary>Canonical text: dotted quad, or RFC 5952 compressed lower-case IPv6.</summary>
    public override string ToString()
    {
        if (Family == IpFamily.IPv4)
        {
            uint v = (uint)Value;
            return $"{v >> 24}.{(v >> 16) & 0xff}.{(v >> 8) & 0xff}.{v & 0xff}";
        }
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, (ulong)(Value >> 64));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], (ulong)Value);
        return new IPAddress(bytes).ToString();
    }
}
