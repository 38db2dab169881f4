namespace Purelb.Ipam;

/// <summary>
/// One contiguous, inclusive span of addresses of one family, parsed from an <c>AddressPool.pool</c> text.
/// Two forms (allocator.md §2.3): a CIDR, whose start is the address <em>as written</em> (so
/// <c>1.1.1.2/31</c> is 1.1.1.2–1.1.1.3), or <c>from-to</c> with optional spaces around the dash.
/// Unlike upstream, a reversed range or one mixing families is rejected (§8.3).
/// </summary>
public sealed class IpRange
{
    private IpRange(string raw, IpAddr first, IpAddr last)
    {
        Raw = raw;
        First = first;
        Last = last;
    }

    /// <summary>The text as the user wrote it; shown in status.</summary>
    public string Raw { get; }

    public IpAddr First { get; }

    public IpAddr Last { get; }

    public IpFamily Family => First.Family;

    /// <summary>Last minus first: the highest offset inside the range. Always exact.</summary>
    public UInt128 LastOffset => Last.Value - First.Value;

    /// <summary>
    /// Number of addresses, exact for every range except the whole IPv6 space (2^128 addresses), which
    /// saturates at UInt128.MaxValue. A /64 reports 2^64 and a /48 reports 2^80 (upstream's wrap-around, §8.1, is fixed).
    /// </summary>
    public UInt128 Size => LastOffset == UInt128.MaxValue ? UInt128.MaxValue : LastOffset + 1;

    public static IpRange Parse(string text) =>
        TryParse(text, out var range, out var error) ? range! : throw new FormatException(error);

    /// <summary>Parses either form; on failure <paramref name="error"/> says what is wrong in upstream's words.</summary>
    public static bool TryParse(string text, out IpRange? range, out string? error)
    {
        range = null;
        error = null;
        int dash = text.IndexOf('-');
        if (dash < 0)
        {
            if (!IpNetwork.TryParse(text, out var network))
            {
                error = $"invalid CIDR \"{text}\"";
                return false;
            }
            range = new IpRange(text, network.Written, network.Last);
            return true;
        }
        var startText = text[..dash].Trim();
        var endText = text[(dash + 1)..].Trim();
        if (!IpAddr.TryParse(startText, out var start))
        {
            error = $"invalid IP range \"{text}\": invalid start IP \"{startText}\"";
            return false;
        }
        if (!IpAddr.TryParse(endText, out var end))
        {
            error = $"invalid IP range \"{text}\": invalid end IP \"{endText}\"";
            return false;
        }
        if (start.Family != end.Family)
        {
            error = $"invalid IP range \"{text}\": start {start} and end {end} are of different IP families";
            return false;
        }
        if (start > end)
        {
            error = $"invalid IP range \"{text}\": start {start} is after end {end}";
            return false;
        }
        range = new IpRange(text, start, end);
        return true;
    }

    public bool Contains(IpAddr address) => address.Family == Family && address >= First && address <= Last;

    /// <summary>Standard interval overlap, which also catches one range strictly inside the other (§8.2).</summary>
    public bool Overlaps(IpRange other) => other.Family == Family && First <= other.Last && other.First <= Last;

    /// <summary>Both ends lie inside <paramref name="network"/>.</summary>
    public bool ContainedBy(IpNetwork network) => network.Contains(First) && network.Contains(Last);

    /// <summary>The address at <paramref name="offset"/> from the start.</summary>
    public IpAddr At(UInt128 offset) => First.Add(offset);

    /// <summary>Offset of <paramref name="address"/>, which must be inside the range.</summary>
    public UInt128 OffsetOf(IpAddr address) => address.Value - First.Value;

    /// <summary>The address after <paramref name="address"/> in this range, or null past the end or before the start.</summary>
    public IpAddr? Next(IpAddr address)
    {
        if (!Contains(address) || address == Last) return null;
        return address.Add(1);
    }

    /// <summary>Upstream's display form, used in error texts.</summary>
    public override string ToString() => $"({First} - {Last})";
}
