namespace Purelb.Ipam;

/// <summary>
/// A CIDR network: the address as written, its prefix length, and the normalised network span.
/// Host bits are allowed in the text (<c>192.0.2.5/24</c>); <see cref="Network"/> clears them.
/// Two networks are equal when their normalised network and prefix are equal, so
/// <c>192.0.2.5/24</c> equals <c>192.0.2.0/24</c> (used to match node subnets, fixing upstream's string compare).
/// </summary>
public readonly struct IpNetwork : IEquatable<IpNetwork>
{
    private IpNetwork(IpAddr written, int prefixLength)
    {
        Written = written;
        PrefixLength = prefixLength;
        int bits = written.Family.Bits();
        UInt128 hostMask = prefixLength == bits ? UInt128.Zero
            : (bits == 128 ? UInt128.MaxValue >> prefixLength : ((UInt128)uint.MaxValue) >> prefixLength);
        Network = IpAddr.FromValue(written.Value & ~hostMask & IpAddr.MaxValue(written.Family), written.Family);
        Last = IpAddr.FromValue(Network.Value | hostMask, written.Family);
    }

    /// <summary>The address exactly as written before the slash.</summary>
    public IpAddr Written { get; }

    public int PrefixLength { get; }

    /// <summary>The first address of the network (host bits cleared).</summary>
    public IpAddr Network { get; }

    /// <summary>The last address of the network.</summary>
    public IpAddr Last { get; }

    public IpFamily Family => Written.Family;

    public static bool TryParse(ReadOnlySpan<char> text, out IpNetwork network)
    {
        network = default;
        int slash = text.IndexOf('/');
        if (slash < 0) return false;
        if (!IpAddr.TryParse(text[..slash], out var address)) return false;
        var prefixText = text[(slash + 1)..];
        if (prefixText.IsEmpty || prefixText.Length > 3) return false;
        int prefix = 0;
        foreach (char c in prefixText)
        {
            if (c < '0' || c > '9') return false;
            prefix = prefix * 10 + (c - '0');
        }
        if (prefixText.Length > 1 && prefixText[0] == '0') return false;
        // An IPv4-mapped IPv6 CIDR (::ffff:a.b.c.d/n) is written with a 128-bit prefix; Go treats it as IPv4.
        bool mappedV6 = address.Family == IpFamily.IPv4 && text[..slash].Contains(':');
        if (mappedV6)
        {
            if (prefix < 96) return false;
            prefix -= 96;
        }
        if (prefix > address.Family.Bits()) return false;
        network = new IpNetwork(address, prefix);
        return true;
    }

    public static IpNetwork Parse(string text) =>
        TryParse(text, out var n) ? n : throw new FormatException($"invalid CIDR \"{text}\"");

    public bool Contains(IpAddr address) => address.Family == Family && address >= Network && address <= Last;

    public bool Equals(IpNetwork other) => Network == other.Network && PrefixLength == other.PrefixLength;

    public override bool Equals(object? obj) => obj is IpNetwork other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(Network, PrefixLength);

    public static bool operator ==(IpNetwork a, IpNetwork b) => a.Equals(b);

    public static bool operator !=(IpNetwork a, IpNetwork b) => !a.Equals(b);

    /// <summary>Canonical form: network address, slash, prefix (what node agents report).</summary>
    public override string ToString() => $"{Network}/{PrefixLength}";
}
