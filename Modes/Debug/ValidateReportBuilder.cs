using Purelb.Election;
using Purelb.Ipam;
using Purelb.Kube;
using Purelb.Kube.Crd;
using Purelb.Kube.Yaml;

namespace Purelb.Modes.Debug;

/// <summary>
/// Checks ServiceGroups (the CRD's own rules, then the address manager's validation, which also finds overlaps across
/// groups), LBNodeAgents (the CRD's rules and the agent's interface selector) and Services (each tried alone against
/// empty pools: a refusal there is one no amount of freed addresses will cure).
/// </summary>
public static class ValidateReportBuilder
{
    /// <summary>Refusals that do not depend on what other Services hold.</summary>
    private static readonly HashSet<AllocationError> NeverSatisfiable =
    [
        AllocationError.NoGroup,
        AllocationError.InvalidGroup,
        AllocationError.NamespaceNotAllowed,
        AllocationError.AmbiguousNamespaceDefault,
        AllocationError.NoPoolForFamily,
        AllocationError.InvalidPinnedAddress,
        AllocationError.PinnedAddressNotInPool,
        AllocationError.MultiPoolWithSharing,
        AllocationError.MultiPoolWithBalancePools,
        AllocationError.AddressesNotInOnePool,
        AllocationError.InvalidRequest,
    ];

    public static ValidateReport Build(ManifestSet objects, string installNamespace, IReadOnlyList<string> notes)
    {
        var problems = objects.Problems.Select(p => new ProblemReport(p.File, p.Object, p.Reason)).ToList();
        var warnings = new List<ProblemReport>();

        var sources = new Dictionary<(string, string), ManifestSource>();
        var configs = new List<ServiceGroupConfig>();
        foreach (var group in objects.ServiceGroups)
        {
            foreach (var rule in ServiceGroupRules.Check(group.Value))
            {
                problems.Add(new ProblemReport(group.Source.File, group.Source.ObjectName, rule));
            }
            var config = ServiceGroupTranslator.ToConfig(group.Value);
            if (config.Namespace.Length == 0)
            {
                config = config with { Namespace = installNamespace };
            }
            sources[(config.Namespace, config.Name)] = group.Source;
            configs.Add(config);
        }
        var ipam = IpamConfig.Build(configs, new IpamConfigOptions(installNamespace));
        foreach (var problem in ipam.Problems)
        {
            var file = sources.TryGetValue((problem.GroupNamespace, problem.Group), out var source) ? source.File : "(unknown file)";
            var report = new ProblemReport(file, $"ServiceGroup {problem.GroupNamespace}/{problem.Group}",
                problem.Field is null ? problem.Message : $"{problem.Field}: {problem.Message}");
            (problem.Kind == ConfigErrorKind.OutOfScope ? warnings : problems).Add(report);
        }

        foreach (var agent in objects.LBNodeAgents)
        {
            foreach (var rule in LBNodeAgentRules.Check(agent.Value))
            {
                problems.Add(new ProblemReport(agent.Source.File, agent.Source.ObjectName, rule));
            }
            if (agent.Value.Spec?.Local is { } local)
            {
                InterfaceSelector.FromLocalSpec(local.LocalInterface, local.Interfaces?.ToList(), local.DummyInterface, out var error);
                if (error is not null)
                {
                    problems.Add(new ProblemReport(agent.Source.File, agent.Source.ObjectName, $"spec.local.{error}"));
                }
            }
        }
        if (objects.LBNodeAgents.Count > 1)
        {
            warnings.Add(new ProblemReport(objects.LBNodeAgents[1].Source.File, "LBNodeAgents",
                $"{objects.LBNodeAgents.Count} LBNodeAgents: check that their node selectors do not overlap"));
        }

        // Every range's subnet counts as having a live node, so multiPool never fails for want of leases here.
        var subnets = ipam.Pools.SelectMany(p => p.V4Ranges.Concat(p.V6Ranges)).Select(r => r.Subnet).Distinct().ToList();
        var scratch = new IpamLedger(ipam);
        var services = 0;
        foreach (var service in objects.Services)
        {
            if (!ServiceGroupTranslator.IsOurs(service.Value))
            {
                continue;
            }
            services++;
            var request = ServiceGroupTranslator.ToAllocationRequest(service.Value, subnets);
            var result = scratch.Allocate(request);
            if (result.Succeeded)
            {
                scratch.Release(request.ServiceKey);
            }
            else if (NeverSatisfiable.Contains(result.Error))
            {
                problems.Add(new ProblemReport(service.Source.File, service.Source.ObjectName, $"can never get an address: {result.Message}"));
            }
        }
        return new ValidateReport(objects.ServiceGroups.Count, objects.LBNodeAgents.Count, services, problems, warnings, notes);
    }
}
