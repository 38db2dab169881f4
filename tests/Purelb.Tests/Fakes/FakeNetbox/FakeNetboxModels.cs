using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace Purelb.Tests.Fakes.FakeNetbox;

public sealed record FakeTenant(int Id, string Name, string Slug);

public sealed record FakePrefix(int Id, IPNetwork Network, int? VrfId, int? TenantId, string Status, bool IsPool);

/// <summary>An IP record. Mutable only inside <see cref="FakeNetboxStore"/>, under its lock; tests see copies.</summary>
public sealed record FakeIpAddress
{
    public required int Id { get; init; }
    public required IPAddress Ip { get; init; }
    public required int PrefixLength { get; init; }
    public string Status { get; init; } = "active";
    public int? TenantId { get; init; }
    public int? VrfId { get; init; }
    public string Description { get; init; } = "";
    public string DnsName { get; init; } = "";
    public DateTimeOffset Created { get; init; }
    public DateTimeOffset LastUpdated { get; init; }
    public int Version { get; init; } = 1;

    public int Family => Ip.AddressFamily == AddressFamily.InterNetworkV6 ? 6 : 4;
    public string Address => $"{Ip}/{PrefixLength}";
    public string ETag => $"W/\"{Id}-{Version}\"";
}

public sealed record FakeToken(string Value, bool WriteEnabled = true)
{
    public bool IsV2 => Value.StartsWith("nbt_", StringComparison.Ordinal);

    /// <summary>A v1 token: 40 hex digits.</summary>
    public static FakeToken V1(string hex40, bool writeEnabled = true) => new(hex40, writeEnabled);

    /// <summary>A v2 token: <c>nbt_&lt;key&gt;.&lt;secret&gt;</c>.</summary>
    public static FakeToken V2(string key, string secret, bool writeEnabled = true) => new($"nbt_{key}.{secret}", writeEnabled);
}

/// <summary>IP ↔ integer arithmetic for usable ranges and ordering.</summary>
internal static class IpMath
{
    public static UInt128 ToInt(IPAddress ip)
    {
        var bytes = ip.GetAddressBytes();
        UInt128 value = 0;
        foreach (byte b in bytes)
            value = (value << 8) | b;
        return value;
    }

    public static IPAddress FromInt(UInt128 value, bool v6)
    {
        var bytes = new byte[v6 ? 16 : 4];
        for (int i = bytes.Length - 1; i >= 0; i--)
        {
            bytes[i] = (byte)(value & 0xff);
            value >>= 8;
        }
        return new IPAddress(bytes);
    }

    /// <summary>Netbox's usable range of a prefix: all of it for pools and /31+ (/127+), else without network (and broadcast).</summary>
    public static (UInt128 First, UInt128 Last) Usable(FakePrefix prefix)
    {
        bool v6 = prefix.Network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;
        int bits = v6 ? 128 : 32;
        UInt128 first = ToInt(prefix.Network.BaseAddress);
        int hostBits = bits - prefix.Network.PrefixLength;
        UInt128 last = hostBits == 128 ? UInt128.MaxValue : first + ((UInt128.One << hostBits) - 1);
        bool whole = prefix.IsPool || (!v6 && prefix.Network.PrefixLength >= 31) || (v6 && prefix.Network.PrefixLength >= 127);
        if (!whole)
        {
            first += 1;
            if (!v6)
                last -= 1;
        }
        return (first, last);
    }

    public static int Compare(FakeIpAddress a, FakeIpAddress b)
    {
        int c = a.Family.CompareTo(b.Family);
        if (c == 0) c = ToInt(a.Ip).CompareTo(ToInt(b.Ip));
        if (c == 0) c = a.PrefixLength.CompareTo(b.PrefixLength);
        return c != 0 ? c : a.Id.CompareTo(b.Id);
    }
}
