using System.Net;

namespace Purelb.Election;

public enum ElectionOutcome
{
    /// <summary>This node announces the address.</summary>
    Won,
    /// <summary>Another live node announces it.</summary>
    Lost,
    /// <summary>No live node advertises a subnet containing the address.</summary>
    NoEligibleNodes,
    /// <summary>This node may not take part (lease not confirmed, fenced, stopping) or the lease view is not synced yet.</summary>
    NotReady,
}

/// <param name="Outcome">What this node should do with the address.</param>
/// <param name="Winner">The winning node, null for <see cref="ElectionOutcome.NoEligibleNodes"/> and <see cref="ElectionOutcome.NotReady"/>.</param>
/// <param name="Key">The election key (canonical address text).</param>
/// <param name="AffinityFellBack">Preferred nodes were given but none was a candidate (count <c>affinity_fallback_total</c>).</param>
public sealed record ElectionDecision(ElectionOutcome Outcome, string? Winner, string Key, bool AffinityFellBack);

/// <summary>
/// Per-address decisions for this node: combines our own lease health with the membership view and the
/// winner hash. Pure apart from reading the two sources it is given.
/// </summary>
public sealed class AddressElection(string nodeName, Func<MembershipSnapshot> membership, Func<bool> mayAnnounce)
{
    public string NodeName { get; } = nodeName;

    /// <summary>
    /// Upstream's <c>WinnerWithPreference</c>: hash among the nodes advertising the address's subnet; when
    /// <paramref name="preferred"/> (nodes with ready or serving endpoints, for Services opted into
    /// <c>purelb.io/node-affinity: service-endpoints</c>) intersects the candidates, only among those.
    /// </summary>
    public ElectionDecision Decide(IPAddress address, IReadOnlyCollection<string>? preferred = null)
    {
        var view = membership();
        return Decide(ElectionKey.Format(address), view, view.CandidatesFor(address), preferred);
    }

    /// <summary>Legacy path for a key that is not an address: every live node is a candidate, no affinity.</summary>
    public ElectionDecision DecideKey(string key)
    {
        var view = membership();
        return Decide(key, view, view.LiveNodes, null);
    }

    private ElectionDecision Decide(string key, MembershipSnapshot view, IReadOnlyList<string> candidates, IReadOnlyCollection<string>? preferred)
    {
        if (!mayAnnounce() || !view.IsSynced)
        {
            return new ElectionDecision(ElectionOutcome.NotReady, null, key, false);
        }
        var (winner, fellBack) = WinnerWithPreference(key, candidates, preferred);
        if (winner is null)
        {
            return new ElectionDecision(ElectionOutcome.NoEligibleNodes, null, key, false);
        }
        var outcome = winner == NodeName ? ElectionOutcome.Won : ElectionOutcome.Lost;
        return new ElectionDecision(outcome, winner, key, fellBack);
    }

    /// <summary>Pure form of the affinity rule, over an explicit candidate list.</summary>
    public static (string? Winner, bool AffinityFellBack) WinnerWithPreference(
        string key, IReadOnlyList<string> candidates, IReadOnlyCollection<string>? preferred)
    {
        if (candidates.Count == 0) return (null, false);
        if (preferred is null || preferred.Count == 0) return (WinnerSelector.Winner(key, candidates), false);
        var preferredSet = preferred as IReadOnlySet<string> ?? preferred.ToHashSet(StringComparer.Ordinal);
        var narrowed = candidates.Where(preferredSet.Contains).ToList();
        return narrowed.Count > 0
            ? (WinnerSelector.Winner(key, narrowed), false)
            : (WinnerSelector.Winner(key, candidates), true);
    }
}
