using k8s.Models;
using Microsoft.Extensions.Logging;
using Purelb.Ipam;
using Purelb.Kube.Crd;

namespace Purelb.Kube.Allocation;

public sealed partial class AllocatorController
{
    /// <summary>
    /// Builds the IPAM configuration from the cached ServiceGroups and swaps it into the ledger. Returns true when
    /// it was applied, so every Service is reconsidered. A configuration whose every group is invalid is refused
    /// and the previous one stays (allocator.md §2.5): a typo never revokes the whole cluster's pools.
    /// </summary>
    private bool LoadConfig()
    {
        var all = _groups.Cache.List()
            .OrderBy(g => g.Metadata.NamespaceProperty, StringComparer.Ordinal)
            .ThenBy(g => g.Metadata.Name, StringComparer.Ordinal)
            .ToList();
        var inScope = Scope(all);
        var config = IpamConfig.Build(inScope.Select(ServiceGroupTranslator.ToConfig), new IpamConfigOptions(_settings.InstallNamespace));
        foreach (var group in inScope)
        {
            var problems = config.Problems.Where(p => p.Group == group.Metadata.Name).ToList();
            var generation = $"{group.Metadata.Uid}/{group.Metadata.Generation}";
            if (_seenGroupGenerations.GetValueOrDefault(group.Metadata.Name) == generation) continue;
            _seenGroupGenerations[group.Metadata.Name] = generation;
            var reference = EventRecorder.ReferenceTo(group, CrdNames.ApiVersion, ServiceGroup.KindName);
            if (problems.Count == 0)
            {
                _events.Record(reference, EventTypes.Normal, "Parsed", "ServiceGroup accepted");
                continue;
            }
            foreach (var problem in problems)
            {
                _events.Record(reference, EventTypes.Warning, "ParseFailed", problem.Message);
                _log.LogWarning("{Problem}", problem.ToString());
            }
        }
        var change = _ledger.SetConfig(config);
        if (!change.Applied)
        {
            _log.LogError("configuration refused, keeping the previous one: {Error}", change.Error);
            _metrics.UpdateErrors.Inc();
            return false;
        }
        foreach (var (address, service) in change.Orphaned)
            _log.LogWarning("{Service} keeps {Address}, which no pool contains any more; it is not counted or handed out", service, address);
        var names = config.Pools.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _writtenStatus.Keys.Where(k => !names.Contains(k)).ToList())
        {
            _writtenStatus.Remove(gone);
            _metrics.PoolSize.Remove(gone);
            _metrics.PoolInUse.Remove(gone);
        }
        foreach (var name in names) _dirtyPools.Add(name);
        _poolsDirty = true;
        _configLoaded = true;
        _metrics.ConfigLoaded.Set(1);
        _log.LogInformation("configuration loaded: {Pools} pools ({Problems} problems)", config.Pools.Count, config.Problems.Count);
        return true;
    }

    /// <summary>
    /// Only groups in the install namespace count (allocator.md §2.1), failing open when the namespace is unknown or
    /// when filtering would drop every group (the namespace is then more likely wrong than every group).
    /// </summary>
    private List<ServiceGroup> Scope(List<ServiceGroup> all)
    {
        _metrics.OutOfScope.Clear();
        var ns = _settings.InstallNamespace;
        if (string.IsNullOrEmpty(ns)) return all;
        var inScope = all.Where(g => g.Metadata.NamespaceProperty == ns).ToList();
        if (inScope.Count == 0 && all.Count > 0)
        {
            _log.LogWarning("no ServiceGroup is in the install namespace {Namespace}; using all {Count} of them", ns, all.Count);
            return all;
        }
        foreach (var dropped in all.Where(g => g.Metadata.NamespaceProperty != ns))
        {
            var type = dropped.Spec.Remote is not null ? "remote" : dropped.Spec.External is not null ? "external"
                : dropped.Spec.Netbox is not null ? "netbox" : "local";
            _metrics.OutOfScope.Set(1, dropped.Metadata.NamespaceProperty, dropped.Metadata.Name, type);
            _events.Record(EventRecorder.ReferenceTo(dropped, CrdNames.ApiVersion, ServiceGroup.KindName), EventTypes.Warning,
                "ServiceGroupOutOfScope",
                $"ignored: ServiceGroups are read only from the install namespace {ns}; move it there to use its addresses");
        }
        return inScope;
    }

    /// <summary>The cache's own instance of the Service's key, which the ledger then keeps (one string per Service, not two).</summary>
    private string CachedKey(V1Service svc)
    {
        var key = ServiceGroupTranslator.ServiceKey(svc);
        return _services.Cache.TryGet(key, out var cached, out _) ? cached : key;
    }

    /// <summary>Adopts every branded Service's addresses before anything is allocated, so a restart changes nothing.</summary>
    private void RebuildFromServices()
    {
        var existing = _services.Cache.List()
            .Where(s => s.Metadata.Annotation(Annotations.AllocatedBy) == Annotations.AllocatedByValue)
            .OrderBy(s => s.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(ServiceGroupTranslator.ServiceKey, StringComparer.Ordinal)
            .Select(s => ServiceGroupTranslator.ToExistingAllocation(s, CachedKey(s)))
            .OfType<ExistingAllocation>();
        var report = _ledger.Rebuild(existing);
        foreach (var (allocation, result) in report.Failures)
            _log.LogWarning("{Service}: cannot keep {Addresses}: {Error}; it will get a new address",
                allocation.ServiceKey, string.Join(",", allocation.Addresses), result.Message);
    }
}
