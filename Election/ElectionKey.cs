using System.Net;
using System.Net.Sockets;

namespace Purelb.Election;

/// <summary>
/// The text an address is elected under. Every agent of a mixed-version cluster must hash the same
/// bytes, so this reproduces the upstream (Go <c>net.IP.String()</c>) spelling exactly: dotted quad for
/// IPv4 and IPv4-mapped IPv6, otherwise lower-case hex groups with the first longest run of two or
/// more zero groups written as <c>::</c> (RFC 5952). .NET's own formatter differs on mapped and
/// IPv4-compatible addresses, hence our own.
/// </summary>
public static class ElectionKey
{
    public static string Format(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return FormatV4(address);
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            throw new ArgumentException($"not an IP address family: {address.AddressFamily}", nameof(address));
        }
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out _);
        if (IsV4Mapped(b))
        {
            return $"{b[12]}.{b[13]}.{b[14]}.{b[15]}";
        }
        return FormatV6(b);
    }

    /// <summary>An IPv4-mapped IPv6 address becomes its IPv4 form; everything else is returned as is.</summary>
    public static IPAddress Normalize(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6
            ? address.MapToIPv4()
            : address;

    private static bool IsV4Mapped(ReadOnlySpan<byte> b)
    {
        for (int i = 0; i < 10; i++)
        {
            if (b[i] != 0) return false;
        }
        return b[10] == 0xff && b[11] == 0xff;
    }

    private static string FormatV4(IPAddress address)
    {
        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        return $"{b[0]}.{b[1]}.{b[2]}.{b[3]}";
    }

    private static string FormatV6(ReadOnlySpan<byte> b)
    {
        // Locate the first longest run of zero 16-bit groups; a lone zero group is not compressed.
        int bestStart = -1, bestEnd = -1;
        for (int i = 0; i < 16; i += 2)
        {
            int j = i;
            while (j < 16 && b[j] == 0 && b[j + 1] == 0) j += 2;
            if (j > i && j - i > bestEnd - bestStart)
            {
                bestStart = i;
                bestEnd = j;
            }
            if (j > i) i = j - 2;
        }
        if (bestEnd - bestStart <= 2)
        {
            bestStart = bestEnd = -1;
        }

        var sb = new System.Text.StringBuilder(39);
        for (int i = 0; i < 16; i += 2)
        {
            if (i == bestStart)
            {
                sb.Append("::");
                i = bestEnd - 2;
                continue;
            }
            if (i > 0 && i != bestEnd) sb.Append(':');
            int group = (b[i] << 8) | b[i + 1];
            sb.Append(group.ToString("x", System.Globalization.CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
