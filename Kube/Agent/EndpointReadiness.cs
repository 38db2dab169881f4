using k8s.Models;

namespace Purelb.Kube.Agent;

/// <summary>
/// Whether this node may announce a remote Service's addresses, from the Service's EndpointSlices (agent.md §4.2).
/// Cluster policy: every eligible node. Local policy: only while this node has a healthy endpoint. Pure.
/// </summary>
/// <remarks>
/// Healthy follows the EndpointConditions contract rather than upstream's nil-is-false reading (agent.md §9 item 13):
/// <c>ready</c> when set decides; when unset, the endpoint counts if it is <c>serving</c> (unset = serving) and not
/// <c>terminating</c> (unset = not terminating). An address listed in several slices of the Service (slices split by
/// port can disagree) counts only when it is healthy in every one of them.
/// </remarks>
public static class EndpointReadiness
{
    /// <summary>The label an EndpointSlice carries naming its Service.</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    public const string LocalPolicy = "Local";

    /// <summary>True when <paramref name="service"/> should be announced from <paramref name="nodeName"/>.</summary>
    public static bool ShouldAnnounce(V1Service service, IEnumerable<V1EndpointSlice> slices, string nodeName) =>
        !string.Equals(service.Spec?.ExternalTrafficPolicy, LocalPolicy, StringComparison.Ordinal)
        || HasHealthyLocalEndpoint(slices, service.Metadata.NamespaceProperty ?? "", service.Metadata.Name, nodeName);

    /// <summary>True when the slices of Service <paramref name="ns"/>/<paramref name="name"/> hold at least one healthy
    /// endpoint address on <paramref name="nodeName"/>. Slices of other Services in <paramref name="slices"/> are ignored.</summary>
    public static bool HasHealthyLocalEndpoint(IEnumerable<V1EndpointSlice> slices, string ns, string name, string nodeName)
    {
        // address → healthy in every slice seen so far
        Dictionary<string, bool>? verdicts = null;
        foreach (var slice in slices)
        {
            if (!BelongsTo(slice, ns, name)) continue;
            foreach (var endpoint in slice.Endpoints ?? [])
            {
                if (!string.Equals(endpoint.NodeName, nodeName, StringComparison.Ordinal)) continue;
                bool healthy = IsHealthy(endpoint.Conditions);
                foreach (var address in endpoint.Addresses ?? [])
                {
                    verdicts ??= new Dictionary<string, bool>(StringComparer.Ordinal);
                    verdicts[address] = verdicts.TryGetValue(address, out var sofar) ? sofar && healthy : healthy;
                }
            }
        }
        return verdicts is not null && verdicts.ContainsValue(true);
    }

    public static bool BelongsTo(V1EndpointSlice slice, string ns, string name) =>
        string.Equals(slice.Metadata?.NamespaceProperty ?? "", ns, StringComparison.Ordinal)
        && slice.Metadata?.Labels is { } labels
        && labels.TryGetValue(ServiceNameLabel, out var owner)
        && string.Equals(owner, name, StringComparison.Ordinal);

    /// <summary>The Service key (<c>ns/name</c>) a slice belongs to, or null for a slice with no service-name label.</summary>
    public static string? ServiceKeyOf(V1EndpointSlice slice) =>
        slice.Metadata?.Labels is { } labels && labels.TryGetValue(ServiceNameLabel, out var owner) && owner.Length > 0
            ? $"{slice.Metadata.NamespaceProperty}/{owner}"
            : null;

    public static bool IsHealthy(V1EndpointConditions? conditions)
    {
        if (conditions?.Ready is { } ready) return ready;
        return (conditions?.Serving ?? true) && !(conditions?.Terminating ?? false);
    }
}
