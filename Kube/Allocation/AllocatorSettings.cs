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

    public bool IsOurClass(string? loadBalancerClass) =>
        loadBalancerClass is null ? HandleUnclassed : Classes.Contains(loadBalancerClass);
}
