namespace Purelb.Kube;

/// <summary>
/// Every `purelb.io/…` annotation key and fixed value we read or write, spelled exactly as upstream
/// PureLB so Services, Leases and tooling of an existing installation keep working.
/// </summary>
public static class Annotations
{
    public const string Prefix = "purelb.io/";

    /// <summary><see cref="Prefix"/> in UTF-8, for matching keys inside a JSON reader without decoding them.</summary>
    public static ReadOnlySpan<byte> PrefixUtf8 => "purelb.io/"u8;

    // Set by users on Services.

    /// <summary>Name of the ServiceGroup to allocate from; only its presence matters for resolution.</summary>
    public const string ServiceGroup = "purelb.io/service-group";

    /// <summary>Pinned addresses, comma separated, no trimming.</summary>
    public const string Addresses = "purelb.io/addresses";

    /// <summary>Sharing key: Services with the same key and disjoint ports may share an address.</summary>
    public const string AllowSharedIp = "purelb.io/allow-shared-ip";

    /// <summary>Overrides the group's multiPool; exactly "true" turns it on, anything else off.</summary>
    public const string MultiPool = "purelb.io/multi-pool";

    /// <summary>One-shot: "true" is deleted by the allocator, which then processes the Service again.</summary>
    public const string ReEvaluate = "purelb.io/re-evaluate";

    /// <summary>Presence (any value) keeps externalTrafficPolicy Local for addresses on a local interface.</summary>
    public const string AllowLocal = "purelb.io/allow-local";

    /// <summary>With value <see cref="NodeAffinityServiceEndpoints"/>, the local election prefers nodes with endpoints.</summary>
    public const string NodeAffinity = "purelb.io/node-affinity";

    // Set by purelb on Services.

    /// <summary>The brand, value <see cref="AllocatedByValue"/>, written only after a fully successful allocation.</summary>
    public const string AllocatedBy = "purelb.io/allocated-by";

    /// <summary>Pool (ServiceGroup) name; several joined with ", " for pinned addresses from several pools.</summary>
    public const string AllocatedFrom = "purelb.io/allocated-from";

    /// <summary>`local` or `remote`.</summary>
    public const string PoolType = "purelb.io/pool-type";

    /// <summary>"true" when the pool has skipIPv6DAD; deleted otherwise.</summary>
    public const string SkipIpv6Dad = "purelb.io/skip-ipv6-dad";

    /// <summary>Space-separated `node,interface,ip` entries of the nodes announcing IPv4 addresses.</summary>
    public const string AnnouncingIpv4 = "purelb.io/announcing-IPv4";

    /// <summary>Space-separated `node,interface,ip` entries of the nodes announcing IPv6 addresses.</summary>
    public const string AnnouncingIpv6 = "purelb.io/announcing-IPv6";

    /// <summary>Legacy announcing key, only ever deleted.</summary>
    public const string Announcing = "purelb.io/announcing";

    /// <summary>Legacy announcing key for unknown families, only ever deleted.</summary>
    public const string AnnouncingUnknown = "purelb.io/announcing-unknown";

    // Set by node agents on their Leases.

    /// <summary>Comma-joined CIDRs of the node's subnets, sorted and deduplicated.</summary>
    public const string Subnets = "purelb.io/subnets";

    /// <summary>Pod UID of the agent that owns the Lease.</summary>
    public const string Instance = "purelb.io/instance";

    // Fixed values.

    public const string AllocatedByValue = "PureLB";
    public const string NodeAffinityServiceEndpoints = "service-endpoints";
    public const string TrueValue = "true";

    /// <summary>spec.loadBalancerClass that selects purelb (v2).</summary>
    public const string LoadBalancerClass = "purelb.io/purelbv2";

    /// <summary>The v1 class name; upstream v2 ignores it, field reports ask to accept it as an alias.</summary>
    public const string LegacyLoadBalancerClass = "purelb.io/purelb";

    /// <summary>Keys the node agent removes when a branded Service stops being type LoadBalancer.</summary>
    public static readonly IReadOnlyList<string> RemovedOnTypeChange =
        [AllocatedBy, Announcing, AnnouncingIpv4, AnnouncingIpv6, AnnouncingUnknown];
}
