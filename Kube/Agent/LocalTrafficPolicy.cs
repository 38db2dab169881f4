using k8s.Models;

namespace Purelb.Kube.Agent;

/// <summary>How a Service's externalTrafficPolicy applies to its local (L2) addresses (agent.md §3.3).</summary>
public enum TrafficPolicyOnLocal
{
    /// <summary>Cluster (or unset): any node may receive and forward.</summary>
    Cluster,
    /// <summary>Local without <c>purelb.io/allow-local</c>: the announcing node switches it to Cluster.</summary>
    LocalToSwitch,
    /// <summary>Local with <c>purelb.io/allow-local</c> (any value): kept; only an announcing node with an endpoint serves.</summary>
    LocalAllowed,
}

/// <summary>
/// A local address is held by one node, so with externalTrafficPolicy Local every connection reaching a node
/// without an endpoint of the Service would be dropped. Like upstream, such Services are switched to Cluster unless
/// the user opts out with <c>purelb.io/allow-local</c> (then pairing it with <c>purelb.io/node-affinity</c> is how
/// to land the address on an endpoint node). Remote addresses honour Local without any annotation.
/// </summary>
public static class LocalTrafficPolicy
{
    public const string LocalValue = "Local";
    public const string ClusterValue = "Cluster";

    public static TrafficPolicyOnLocal For(V1Service svc)
    {
        if (!string.Equals(svc.Spec?.ExternalTrafficPolicy, LocalValue, StringComparison.Ordinal)) return TrafficPolicyOnLocal.Cluster;
        return svc.Metadata?.Annotations?.ContainsKey(Annotations.AllowLocal) == true
            ? TrafficPolicyOnLocal.LocalAllowed
            : TrafficPolicyOnLocal.LocalToSwitch;
    }
}
