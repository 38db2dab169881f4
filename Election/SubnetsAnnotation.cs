using System.Net;

namespace Purelb.Election;

/// <summary>
/// The <c>purelb.io/subnets</c> annotation: CIDRs joined by commas, no spaces, deduplicated,
/// ordinal-sorted, possibly empty.
/// </summary>
public static class SubnetsAnnotation
{
    public static string Format(IEnumerable<IPNetwork> subnets) =>
        string.Join(',', subnets.Select(IpText.FormatPrefix).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    /// <summary>
    /// Reads a peer's annotation. Entries that are not CIDRs are dropped and reported, never thrown;
    /// entries beyond <see cref="LeaseContract.MaxSubnetsPerLease"/> are cut (as upstream).
    /// </summary>
    public static ParsedSubnets Parse(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return new ParsedSubnets([], [], 0);
        }
        var parsed = new List<IPNetwork>();
        var rejected = new List<string>();
        int truncated = 0;
        foreach (var entry in text.Split(','))
        {
            if (!IpText.TryParsePrefix(entry, out var prefix))
            {
                rejected.Add(entry);
                continue;
            }
            if (parsed.Count >= LeaseContract.MaxSubnetsPerLease)
            {
                truncated++;
                continue;
            }
            if (!parsed.Contains(prefix)) parsed.Add(prefix);
        }
        return new ParsedSubnets(parsed, rejected, truncated);
    }
}

/// <param name="Subnets">Valid, deduplicated prefixes in annotation order.</param>
/// <param name="Rejected">Entries that were not CIDRs, verbatim.</param>
/// <param name="Truncated">Valid entries dropped by the per-lease cap.</param>
public sealed record ParsedSubnets(IReadOnlyList<IPNetwork> Subnets, IReadOnlyList<string> Rejected, int Truncated);
