namespace Purelb.Kube;

/// <summary>The object a Lease's owner reference points at (for node leases: the Node, so the Lease is
/// garbage-collected with it).</summary>
public sealed record LeaseOwner(string ApiVersion, string Kind, string Name, string Uid)
{
    public static LeaseOwner Node(string name, string uid) => new("v1", "Node", name, uid);
}

/// <summary>
/// A coordination.k8s.io/v1 Lease as election code sees it, free of Kubernetes model types. Times are UTC with
/// microsecond precision on the wire.
/// </summary>
public sealed record LeaseRecord
{
    public required string Name { get; init; }
    public string? HolderIdentity { get; init; }
    public int? LeaseDurationSeconds { get; init; }
    public DateTimeOffset? AcquireTime { get; init; }
    public DateTimeOffset? RenewTime { get; init; }
    public int? LeaseTransitions { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();
    public LeaseOwner? Owner { get; init; }
    /// <summary>Set by the server; an update carrying a stale one fails with 409 Conflict.</summary>
    public string? ResourceVersion { get; init; }
    public string? Uid { get; init; }
}
