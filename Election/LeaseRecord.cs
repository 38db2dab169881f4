namespace Purelb.Election;

/// <summary>
/// The parts of a coordination.k8s.io/v1 Lease that the election reads and writes, as plain data.
/// <c>Kube/</c> maps this to and from the API object; nothing here knows about Kubernetes types.
/// Values written by other nodes are untrusted: read them through <see cref="PeerLease.TryRead"/>.
/// </summary>
/// <param name="Name">Lease name; ours are <c>purelb-node-&lt;node&gt;</c>.</param>
/// <param name="HolderIdentity">The writer's node name (informational; the node comes from the name).</param>
/// <param name="RenewTime">Wall-clock time of the writer's last renewal (microsecond precision on the wire).</param>
/// <param name="LeaseDurationSeconds">How long after an observed renewal the lease stays live.</param>
/// <param name="Annotations">At least <c>purelb.io/subnets</c> and <c>purelb.io/instance</c> for our leases.</param>
/// <param name="Labels">Set when we create the lease.</param>
/// <param name="OwnerNode">The Node the lease is garbage-collected with, when known.</param>
/// <param name="ResourceVersion">Optimistic-concurrency token from the store; null for a record not yet stored.</param>
public sealed record LeaseRecord(
    string Name,
    string? HolderIdentity,
    DateTimeOffset? RenewTime,
    int? LeaseDurationSeconds,
    IReadOnlyDictionary<string, string> Annotations,
    IReadOnlyDictionary<string, string> Labels,
    LeaseOwnerNode? OwnerNode,
    string? ResourceVersion)
{
    public string? Annotation(string key) => Annotations.TryGetValue(key, out var v) ? v : null;
}

/// <summary>The owner reference to the Node object (<c>apiVersion: v1, kind: Node</c>, not a controller).</summary>
public sealed record LeaseOwnerNode(string Name, string Uid);

/// <summary>Names and keys of the Lease contract shared with the allocator and the debug tools.</summary>
public static class LeaseContract
{
    public const string NamePrefix = "purelb-node-";
    public const string SubnetsAnnotation = "purelb.io/subnets";
    public const string InstanceAnnotation = "purelb.io/instance";
    public const string ComponentLabel = "app.kubernetes.io/component";
    public const string ComponentLabelValue = "lbnodeagent";
    public const string NameLabel = "app.kubernetes.io/name";
    public const string NameLabelValue = "purelb";

    /// <summary>Upstream reads at most this many subnets from one lease; a longer list is cut.</summary>
    public const int MaxSubnetsPerLease = 256;

    public static string LeaseName(string node) => NamePrefix + node;

    /// <summary>The node a lease belongs to, recovered from its name (not from holderIdentity).</summary>
    public static bool TryGetNodeName(string leaseName, out string node)
    {
        if (leaseName.Length > NamePrefix.Length && leaseName.StartsWith(NamePrefix, StringComparison.Ordinal))
        {
            node = leaseName[NamePrefix.Length..];
            return true;
        }
        node = "";
        return false;
    }

    public static IReadOnlyDictionary<string, string> Labels { get; } = new Dictionary<string, string>
    {
        [ComponentLabel] = ComponentLabelValue,
        [NameLabel] = NameLabelValue,
    };
}
