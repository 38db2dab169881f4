namespace Purelb.Ipam;

/// <summary>The group chosen for a Service, or why none could be.</summary>
public sealed record GroupResolution(
    PoolDefinition? Pool, GroupProvenance Provenance, AllocationError Error, string? Message, AllocationWarning? Warning)
{
    public bool Succeeded => Error == AllocationError.None;
}

/// <summary>
/// Picks the ServiceGroup for a Service and applies the namespace boundary (allocator.md §4.2).
/// Pure: depends only on the configuration.
/// </summary>
public static class GroupResolver
{
    public const string DefaultGroup = "default";

    /// <param name="config">The validated configuration.</param>
    /// <param name="ns">The Service namespace.</param>
    /// <param name="requestedGroup">Value of <c>purelb.io/service-group</c>, or null when absent.</param>
    public static GroupResolution Resolve(IpamConfig config, string ns, string? requestedGroup)
    {
        if (requestedGroup is not null) return Checked(config, ns, requestedGroup, GroupProvenance.Annotation, null);
        var binding = config.Namespaces.Binding(ns);
        if (binding is { Default: { } def }) return Checked(config, ns, def, GroupProvenance.Namespace, null);
        if (binding is { Enforce: true })
        {
            return new GroupResolution(null, GroupProvenance.None, AllocationError.AmbiguousNamespaceDefault,
                $"ambiguous namespace default: {binding.AmbiguityReason}", null);
        }
        if (binding is not null)
        {
            var warning = new AllocationWarning(AllocationWarningKind.AmbiguousDefaultFallback,
                $"{binding.AmbiguityReason}; allocated from \"{DefaultGroup}\" instead");
            return Checked(config, ns, DefaultGroup, GroupProvenance.DefaultAmbiguous, warning);
        }
        return Checked(config, ns, DefaultGroup, GroupProvenance.Default, null);
    }

    /// <summary>Whether a Service in <paramref name="ns"/> may use group <paramref name="name"/>.</summary>
    public static GroupResolution Checked(IpamConfig config, string ns, string name, GroupProvenance provenance,
        AllocationWarning? warning)
    {
        var pool = config.Find(name);
        if (pool is null)
        {
            return config.WasRejected(name)
                ? new GroupResolution(null, provenance, AllocationError.InvalidGroup,
                    $"no usable pool: ServiceGroup \"{name}\" failed to parse", warning)
                : new GroupResolution(null, provenance, AllocationError.NoGroup, $"unknown pool \"{name}\"", warning);
        }
        if (config.Namespaces.IsConfined(name) && !pool.ServesNamespace(ns))
        {
            return new GroupResolution(pool, provenance, AllocationError.NamespaceNotAllowed,
                $"namespace denied: ServiceGroup \"{name}\" serves a confined namespace and does not serve \"{ns}\"", warning);
        }
        var binding = config.Namespaces.Binding(ns);
        if (binding is { Enforce: true } && !binding.Eligible.Contains(name))
        {
            return new GroupResolution(pool, provenance, AllocationError.NamespaceNotAllowed,
                $"namespace denied: namespace \"{ns}\" may only use [{string.Join(' ', binding.Eligible)}], not ServiceGroup \"{name}\"", warning);
        }
        return new GroupResolution(pool, provenance, AllocationError.None, null, warning);
    }
}
