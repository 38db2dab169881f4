using System.Net;

namespace Purelb.Election;

/// <summary>
/// Immutable view of the live nodes and the subnets each advertises, at one instant. Compared as sorted
/// sets so a renewal that changes nothing is not a membership change.
/// </summary>
public sealed class MembershipSnapshot
{
    public static MembershipSnapshot Empty { get; } = new(new SortedDictionary<string, IReadOnlyList<IPNetwork>>(StringComparer.Ordinal), false);

    private readonly SortedDictionary<string, IReadOnlyList<IPNetwork>> _subnets;

    internal MembershipSnapshot(SortedDictionary<string, IReadOnlyList<IPNetwork>> liveNodeSubnets, bool synced)
    {
        _subnets = liveNodeSubnets;
        IsSynced = synced;
        LiveNodes = liveNodeSubnets.Keys.ToArray();
    }

    /// <summary>False until the first full list of leases has been observed.</summary>
    public bool IsSynced { get; }

    /// <summary>Live node names, ordinal order.</summary>
    public IReadOnlyList<string> LiveNodes { get; }

    public IReadOnlyList<IPNetwork> SubnetsOf(string node) => _subnets.TryGetValue(node, out var s) ? s : [];

    /// <summary>Distinct advertised subnets of live nodes (for <c>subnet_count</c>).</summary>
    public int SubnetCount => _subnets.Values.SelectMany(s => s).Distinct().Count();

    /// <summary>
    /// Live nodes advertising any subnet that contains <paramref name="address"/>, ordinal order.
    /// Overlapping subnets all count; there is no longest-prefix preference.
    /// </summary>
    public IReadOnlyList<string> CandidatesFor(IPAddress address)
    {
        var result = new List<string>();
        foreach (var (node, subnets) in _subnets)
        {
            foreach (var subnet in subnets)
            {
                if (IpText.Contains(subnet, address))
                {
                    result.Add(node);
                    break;
                }
            }
        }
        return result;
    }

    public bool SameMembership(MembershipSnapshot other)
    {
        if (IsSynced != other.IsSynced || _subnets.Count != other._subnets.Count) return false;
        foreach (var (node, subnets) in _subnets)
        {
            if (!other._subnets.TryGetValue(node, out var theirs)) return false;
            if (!subnets.ToHashSet().SetEquals(theirs)) return false;
        }
        return true;
    }
}
