using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Purelb.Election;

/// <summary>
/// Strict parsing of addresses and CIDR prefixes as other nodes write them into Lease annotations.
/// <see cref="IPAddress.TryParse(string, out IPAddress)"/> accepts forms such as <c>"1"</c> or
/// <c>"010.1.1.1"</c> that upstream rejects; a peer must not become a candidate for a subnet because
/// we read its text more generously than it meant, so IPv4 is parsed here as a plain dotted quad.
/// </summary>
public static class IpText
{
    public static bool TryParseAddress(string? text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (string.IsNullOrEmpty(text) || text.Length > 45) return false;
        if (text.Contains(':'))
        {
            if (text.AsSpan().IndexOfAny("%[]/ ") >= 0) return false;
            if (!IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return false;
            }
            address = parsed;
            return true;
        }
        return TryParseV4(text, out address);
    }

    private static bool TryParseV4(string text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        Span<byte> bytes = stackalloc byte[4];
        int part = 0, value = 0, digits = 0;
        foreach (char c in text)
        {
            if (c == '.')
            {
                if (digits == 0 || part == 3) return false;
                bytes[part++] = (byte)value;
                value = 0;
                digits = 0;
                continue;
            }
            if (c < '0' || c > '9') return false;
            if (digits > 0 && value == 0) return false; // leading zero
            value = value * 10 + (c - '0');
            digits++;
            if (value > 255) return false;
        }
        if (digits == 0 || part != 3) return false;
        bytes[3] = (byte)value;
        address = new IPAddress(bytes);
        return true;
    }

    /// <summary>
    /// Parses <c>address/length</c>. Host bits may be set (they are masked off), as in upstream's
    /// reading of the subnets annotation.
    /// </summary>
    public static bool TryParsePrefix(string? text, out IPNetwork prefix)
    {
        prefix = default;
        if (string.IsNullOrEmpty(text)) return false;
        int slash = text.IndexOf('/');
        if (slash <= 0 || slash == text.Length - 1 || text.Length - slash - 1 > 3) return false;
        if (!TryParseAddress(text[..slash], out var address)) return false;
        int length = 0;
        for (int i = slash + 1; i < text.Length; i++)
        {
            char c = text[i];
            if (c < '0' || c > '9') return false;
            length = length * 10 + (c - '0');
        }
        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (length > max) return false;
        prefix = MaskedNetwork(address, length);
        return true;
    }

    /// <summary>The network of <paramref name="address"/> with <paramref name="length"/> prefix bits.</summary>
    public static IPNetwork MaskedNetwork(IPAddress address, int length)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out int n);
        b = b[..n];
        for (int bit = length; bit < n * 8; bit++)
        {
            b[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }
        return new IPNetwork(new IPAddress(b), length);
    }

    /// <summary>Canonical CIDR text: <see cref="ElectionKey.Format"/> of the network, slash, length.</summary>
    public static string FormatPrefix(IPNetwork prefix) =>
        $"{ElectionKey.Format(prefix.BaseAddress)}/{prefix.PrefixLength}";

    /// <summary>Containment that treats IPv4-mapped IPv6 addresses as IPv4.</summary>
    public static bool Contains(IPNetwork prefix, IPAddress address) =>
        prefix.Contains(ElectionKey.Normalize(address));
}
