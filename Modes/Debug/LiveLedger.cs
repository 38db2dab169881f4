using k8s.Models;
using Purelb.Ipam;
using Purelb.Kube;
using Purelb.Kube.Crd;

namespace Purelb.Modes.Debug;

/// <summary>
/// The allocator's ledger as it stands after a restart, rebuilt from what the cluster holds: the same group scoping,
/// the same configuration build and the same adoption order as the allocator's start-up
/// (AllocatorController.LoadConfig/Scope/RebuildFromServices), so the numbers match what the allocator counts.
/// </summary>
public sealed record LiveLedger(
    IpamConfig Config,
    IpamLedger Ledger,
    RebuildReport Rebuild,
    IReadOnlyList<ServiceGroup> OutOfScope,
    IReadOnlyList<ExistingAllocation> Adopted,
    string? ScopeNote)
{
    public static LiveLedger Build(IEnumerable<ServiceGroup> groups, IEnumerable<V1Service> services, string installNamespace)
    {
        var all = groups
            .OrderBy(g => g.Metadata?.NamespaceProperty, StringComparer.Ordinal)
            .ThenBy(g => g.Metadata?.Name, StringComparer.Ordinal)
            .ToList();
        var (inScope, outOfScope, note) = Scope(all, installNamespace);
        var config = IpamConfig.Build(inScope.Select(ServiceGroupTranslator.ToConfig), new IpamConfigOptions(installNamespace));
        var ledger = new IpamLedger(config);
        var existing = services
            .Where(s => s.Metadata.Annotation(Annotations.AllocatedBy) == Annotations.AllocatedByValue)
            .OrderBy(s => s.Metadata?.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(ServiceGroupTranslator.ServiceKey, StringComparer.Ordinal)
            .Select(s => ServiceGroupTranslator.ToExistingAllocation(s))
            .OfType<ExistingAllocation>()
            .ToList();
        var rebuild = ledger.Rebuild(existing);
        return new LiveLedger(config, ledger, rebuild, outOfScope, existing, note);
    }

    /// <summary>Only the install namespace's groups count, failing open as the allocator does when none is there.</summary>
    private static (List<ServiceGroup> InScope, List<ServiceGroup> OutOfScope, string? Note) Scope(List<ServiceGroup> all, string ns)
    {
        if (string.IsNullOrEmpty(ns))
        {
            return (all, [], null);
        }
        var inScope = all.Where(g => g.Metadata?.NamespaceProperty == ns).ToList();
        if (inScope.Count == 0 && all.Count > 0)
        {
            return (all, [], $"no ServiceGroup is in the install namespace {ns}; like the allocator, all {all.Count} are used");
        }
        return (inScope, all.Where(g => g.Metadata?.NamespaceProperty != ns).ToList(), null);
    }
}
