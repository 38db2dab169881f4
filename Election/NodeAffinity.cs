namespace Purelb.Election;

/// <summary>One endpoint of a Service as the affinity rule sees it (from an EndpointSlice); null = condition absent.</summary>
public sealed record EndpointPresence(string? NodeName, bool? Ready, bool? Serving, bool? Terminating = null);

/// <summary>
/// The <c>preferred</c> node set of the local election (agent.md §2.6): only for a Service annotated
/// <c>purelb.io/node-affinity: service-endpoints</c> that does not share its address
/// (<c>purelb.io/allow-shared-ip</c> absent, since sharers must all elect the same node); then the nodes of its
/// endpoints that can take traffic, first-seen order, without duplicates. Empty = plain hash election.
/// </summary>
/// <remarks>
/// An endpoint counts when <c>ready</c> or <c>serving</c> is true (upstream's rule: a terminating endpoint still
/// serving keeps its node preferred). Where upstream reads an absent condition as false, an endpoint with neither
/// condition set counts unless it is terminating, as the EndpointConditions contract says (agent.md §9 item 13,
/// the same reading as the remote path's <c>EndpointReadiness</c>).
/// </remarks>
public static class NodeAffinity
{
    public const string AnnotationKey = "purelb.io/node-affinity";
    public const string ServiceEndpoints = "service-endpoints";
    public const string SharingKey = "purelb.io/allow-shared-ip";

    /// <summary>True when the Service's annotations opt it into endpoint affinity.</summary>
    public static bool IsRequested(IReadOnlyDictionary<string, string>? annotations) =>
        annotations is not null
        && annotations.TryGetValue(AnnotationKey, out var value) && value == ServiceEndpoints
        && !annotations.ContainsKey(SharingKey);

    /// <summary>The preferred nodes, or an empty list when the Service is not opted in or has no usable endpoint.</summary>
    public static IReadOnlyList<string> Preferred(IReadOnlyDictionary<string, string>? annotations, IEnumerable<EndpointPresence> endpoints)
    {
        if (!IsRequested(annotations)) return [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var e in endpoints)
        {
            if (string.IsNullOrEmpty(e.NodeName) || !CanTakeTraffic(e)) continue;
            if (seen.Add(e.NodeName)) result.Add(e.NodeName);
        }
        return result;
    }

    public static bool CanTakeTraffic(EndpointPresence e)
    {
        if (e.Ready == true || e.Serving == true) return true;
        if (e.Ready is null && e.Serving is null) return e.Terminating != true;
        return false;
    }
}
