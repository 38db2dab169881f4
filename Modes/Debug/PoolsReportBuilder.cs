using k8s.Models;
using Purelb.Ipam;
using Purelb.Kube;
using Purelb.Kube.Yaml;

namespace Purelb.Modes.Debug;

/// <summary>
/// Runs the address manager over ServiceGroups and Services read from files, as the allocator would:
/// groups are validated, Services that already carry purelb addresses keep them, then the others are
/// placed in file order. Problems keep the file and object they came from.
/// </summary>
public static class PoolsReportBuilder
{
    public static PoolsReport Build(ManifestSet manifests, string installNamespace)
    {
        var problems = manifests.Problems.Select(p => new ProblemReport(p.File, p.Object, p.Reason)).ToList();
        var warnings = new List<ProblemReport>();
        var notes = new List<string>();

        // A group file without namespaces is applied into the install namespace, as `kubectl apply -n` would.
        var sources = new Dictionary<(string Namespace, string Name), ManifestSource>();
        var configs = new List<ServiceGroupConfig>();
        foreach (var group in manifests.ServiceGroups)
        {
            var config = ServiceGroupTranslator.ToConfig(group.Value);
            if (config.Namespace.Length == 0)
            {
                config = config with { Namespace = installNamespace };
            }
            sources[(config.Namespace, config.Name)] = group.Source;
            configs.Add(config);
        }
        var ipamConfig = IpamConfig.Build(configs, new IpamConfigOptions(installNamespace));
        foreach (var problem in ipamConfig.Problems)
        {
            var file = sources.TryGetValue((problem.GroupNamespace, problem.Group), out var source) ? source.File : "(unknown file)";
            var report = new ProblemReport(file, $"ServiceGroup {problem.GroupNamespace}/{problem.Group}",
                problem.Field is null ? problem.Message : $"{problem.Field}: {problem.Message}");
            (problem.Kind == ConfigErrorKind.OutOfScope ? warnings : problems).Add(report);
        }

        var ledger = new IpamLedger(ipamConfig);
        var services = PlaceServices(manifests.Services, ipamConfig, ledger, notes);
        var groups = ipamConfig.Pools.Select(pool => Describe(pool, ledger)).ToList();
        return new PoolsReport(groups, services, problems, warnings, notes);
    }

    /// <summary>
    /// The live report: the ledger rebuilt from the cluster's Services exactly as the allocator rebuilds it at start-up
    /// (<see cref="LiveLedger"/>), every Service that holds addresses with what it holds, and the group problems.
    /// </summary>
    public static PoolsReport BuildLive(ClusterState state)
    {
        var live = LiveLedger.Build(state.Objects.ServiceGroups.Select(g => g.Value), state.Objects.Services.Select(s => s.Value), state.InstallNamespace);
        var problems = new List<ProblemReport>();
        var warnings = new List<ProblemReport>();
        foreach (var problem in live.Config.Problems)
        {
            var report = new ProblemReport(ClusterState.Origin, $"ServiceGroup {problem.GroupNamespace}/{problem.Group}",
                problem.Field is null ? problem.Message : $"{problem.Field}: {problem.Message}");
            (problem.Kind == ConfigErrorKind.OutOfScope ? warnings : problems).Add(report);
        }
        var notes = new List<string>(state.Notes);
        if (live.ScopeNote is { } scope)
        {
            notes.Add(scope);
        }

        var failures = live.Rebuild.Failures.ToDictionary(f => f.Allocation.ServiceKey, f => f.Result, StringComparer.Ordinal);
        var services = new List<ServiceReport>();
        foreach (var held in live.Adopted)
        {
            var name = held.ServiceKey[(held.Namespace.Length + 1)..];
            if (failures.TryGetValue(held.ServiceKey, out var failure))
            {
                services.Add(new ServiceReport(held.Namespace, name, "conflict", failure.Group?.Name, null, held.Addresses,
                    $"the allocator cannot keep these addresses: {failure.Message}", Warnings(failure)));
                continue;
            }
            var allocation = live.Ledger.AllocationOf(held.ServiceKey);
            var outside = allocation?.OutsidePools.Select(a => $"{a} is in no pool and is not counted").ToList() ?? [];
            services.Add(new ServiceReport(held.Namespace, name, "allocated", allocation?.AllocatedFrom, null,
                allocation?.Addresses.Select(a => a.ToString()).ToList() ?? [], null, outside));
        }
        var groups = live.Config.Pools.Select(pool => Describe(pool, live.Ledger)).ToList();
        return new PoolsReport(groups, services, problems, warnings, notes);
    }

    private static List<ServiceReport> PlaceServices(List<Sourced<V1Service>> services, IpamConfig config, IpamLedger ledger, List<string> notes)
    {
        // Offline there are no node leases: multiPool groups are shown as if every range's subnet had a live node.
        var activeSubnets = config.Pools.SelectMany(p => p.V4Ranges.Concat(p.V6Ranges)).Select(r => r.Subnet).Distinct().ToList();
        if (config.Pools.Any(p => p.MultiPool))
        {
            notes.Add("multiPool groups are shown as if every range's subnet had a live node.");
        }

        var reports = new Dictionary<string, ServiceReport>(StringComparer.Ordinal);
        var order = new List<string>();
        var toAllocate = new List<V1Service>();
        var existing = new List<ExistingAllocation>();
        foreach (var service in services.Select(s => s.Value))
        {
            var key = ServiceGroupTranslator.ServiceKey(service);
            order.Add(key);
            if (!ServiceGroupTranslator.IsOurs(service))
            {
                reports[key] = Skipped(service, service.Spec?.Type != "LoadBalancer"
                    ? $"type is {service.Spec?.Type ?? "ClusterIP"}, not LoadBalancer"
                    : $"loadBalancerClass {service.Spec!.LoadBalancerClass} is not {Annotations.LoadBalancerClass}");
                continue;
            }
            if (service.Spec?.IpFamilies is not { Count: > 0 } && !notes.Contains(NoFamiliesNote))
            {
                notes.Add(NoFamiliesNote);
            }
            var branded = service.Metadata.Annotations?.TryGetValue(Annotations.AllocatedBy, out var by) == true && by == Annotations.AllocatedByValue;
            if (branded && ServiceGroupTranslator.ToExistingAllocation(service) is { } held)
            {
                existing.Add(held);
            }
            else
            {
                toAllocate.Add(service);
            }
        }

        // Addresses Services already hold are adopted first, as the allocator does after a restart.
        var rebuild = ledger.Rebuild(existing);
        var failedAdoptions = rebuild.Failures.ToDictionary(f => f.Allocation.ServiceKey, f => f.Result, StringComparer.Ordinal);
        foreach (var held in existing)
        {
            var ns = held.Namespace;
            var name = held.ServiceKey[(ns.Length + 1)..];
            if (failedAdoptions.TryGetValue(held.ServiceKey, out var failure))
            {
                reports[held.ServiceKey] = new ServiceReport(ns, name, "pending", failure.Group?.Name, null, held.Addresses,
                    $"its addresses cannot be kept: {failure.Message}", Warnings(failure));
                continue;
            }
            var allocation = ledger.AllocationOf(held.ServiceKey);
            reports[held.ServiceKey] = new ServiceReport(ns, name, "kept", allocation?.AllocatedFrom, "existing",
                allocation?.Addresses.Select(a => a.ToString()).ToList() ?? [], null, []);
        }

        foreach (var service in toAllocate)
        {
            var key = ServiceGroupTranslator.ServiceKey(service);
            var result = ledger.Allocate(ServiceGroupTranslator.ToAllocationRequest(service, activeSubnets));
            var ns = service.Metadata.NamespaceProperty ?? "";
            var name = service.Metadata.Name;
            reports[key] = result switch
            {
                { Succeeded: true } => new ServiceReport(ns, name, "allocated", result.AllocatedFrom, Provenance(result.Provenance),
                    result.Addresses.Select(a => a.ToString()).ToList(), null, Warnings(result)),
                { Error: AllocationError.ExternalGroup } => new ServiceReport(ns, name, "external", result.Group?.Name, Provenance(result.Provenance), [],
                    $"addresses come from the external IPAM \"{result.Group?.IpamSource}\"", Warnings(result)),
                _ => new ServiceReport(ns, name, "pending", result.Group?.Name, Provenance(result.Provenance), [], result.Message, Warnings(result)),
            };
        }
        return order.Distinct(StringComparer.Ordinal).Select(k => reports[k]).ToList();
    }

    private const string NoFamiliesNote =
        "Services without spec.ipFamilies try IPv6 first, then IPv4 (as upstream); an API server would have filled ipFamilies.";

    private static ServiceReport Skipped(V1Service service, string reason) =>
        new(service.Metadata.NamespaceProperty ?? "", service.Metadata.Name, "skipped", null, null, [], reason, []);

    private static IReadOnlyList<string> Warnings(AllocationResult result) => result.Warnings.Select(w => w.Message).ToList();

    private static string? Provenance(GroupProvenance provenance) => provenance switch
    {
        GroupProvenance.None => null,
        GroupProvenance.Annotation => "annotation",
        GroupProvenance.Namespace => "namespace default",
        GroupProvenance.Default => "default group",
        GroupProvenance.DefaultAmbiguous => "default group (ambiguous namespace binding)",
        GroupProvenance.PinnedAddresses => "pinned addresses",
        GroupProvenance.Existing => "existing",
        _ => provenance.ToString(),
    };

    private static GroupReport Describe(PoolDefinition pool, IpamLedger ledger)
    {
        var usage = ledger.Usage(pool.Name);
        var ranges = new List<RangeReport>();
        foreach (var range in pool.V4Ranges.Concat(pool.V6Ranges))
        {
            var used = UsedIn(range.Range, ledger);
            var size = range.Range.Size;
            ranges.Add(new RangeReport(
                range.Family.ToString(),
                range.Range.Raw,
                range.Range.First.ToString(),
                range.Range.Last.ToString(),
                range.Subnet.ToString(),
                range.AggregationPrefix is { } prefix ? $"/{prefix}" : "default",
                size,
                used,
                size - UInt128.Min(used, size)));
        }
        return new GroupReport(
            pool.Name,
            pool.GroupNamespace,
            pool.PoolType,
            pool.IpamSource,
            pool.Namespaces,
            pool.EnforceNamespaces,
            pool.NamespaceDefault,
            pool.MultiPool,
            pool.BalancePools,
            pool.SkipIPv6Dad,
            usage is null || !pool.HasFamily(IpFamily.IPv4) ? null : new FamilyUsage(usage.SizeV4, usage.UsedV4, usage.AvailableV4),
            usage is null || !pool.HasFamily(IpFamily.IPv6) ? null : new FamilyUsage(usage.SizeV6, usage.UsedV6, usage.AvailableV6),
            ranges);
    }

    // Distinct held addresses inside one range; the ledger counts per family, the report also per range.
    private static UInt128 UsedIn(IpRange range, IpamLedger ledger)
    {
        var seen = new HashSet<IpAddr>();
        foreach (var key in ledger.Services)
        {
            foreach (var address in ledger.AllocationOf(key)?.Addresses ?? [])
            {
                if (range.Contains(address))
                {
                    seen.Add(address);
                }
            }
        }
        return (UInt128)seen.Count;
    }
}
