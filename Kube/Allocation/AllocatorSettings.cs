namespace Purelb.Kube.Allocation;

/// <param name="InstallNamespace">ServiceGroups and Leases are read only from here.</param>
/// <param name="HandleUnclassed">Also allocate for Services with no <c>spec.loadBalancerClass</c> (upstream DEFAULT_ANNOUNCER=PureLB).</param>
public sealed record AllocatorSettings(string InstallNamespace, bool HandleUnclassed = true)
{
    /// <summary>Our class, and upstream PureLB v2's, which we accept so clusters can switch without editing Services.</summary>
    public static readonly IReadOnlySet<string> Classes = new HashSet<string>(StringComparer.Ordinal)
    {
        Annotations.LegacyLoadBalancerClass,
        Annotations.LoadBalancerClass,
    };

    /// <summary>Services the API server creates for itself; never LoadBalancers in practice, skipped as upstream does.</summary>
    public static readonly IReadOnlySet<string> IgnoredKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "default/kubernetes", "kube-system/kube-dns", "kube-system/kube-controller-manager", "kube-system/kube-scheduler",
    };

    /// <summary>
    /// Work-queue keys synced at once. Decisions are still taken one at a time (the ledger has one owner); what runs
    /// in parallel is the API writes that publish them, so many Services' writes are in flight together, as a real
    /// API server is built to take. The queue never hands one Service to two workers, so one Service's writes stay
    /// in order.
    /// </summary>
    public int Workers { get; init; } = DefaultWorkers;

    public const int DefaultWorkers = 16;

    public bool IsOurClass(string? loadBalancerClass) =>
        loadBalancerClass is null ? HandleUnclassed : Classes.Contains(loadBalancerClass);
}
