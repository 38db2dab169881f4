using k8s.Models;
using Purelb.Ipam;
using Purelb.Kube;

namespace Purelb.Modes.Debug;

/// <summary>
/// Builds <see cref="ServicesReport"/> from one read of the cluster. Pools come from the rebuilt ledger
/// (<see cref="LiveLedger"/>); local announcers from the agents' <c>purelb.io/announcing-IPv4/-IPv6</c> annotations;
/// remote announcers are every node with a live Lease, or for externalTrafficPolicy Local the nodes with ready endpoints.
/// </summary>
public static class ServicesReportBuilder
{
    private const string ServiceNameLabel = "kubernetes.io/service-name";

    public static ServicesReport Build(ClusterState state)
    {
        var live = LiveLedger.Build(state.Objects.ServiceGroups.Select(g => g.Value), state.Objects.Services.Select(s => s.Value), state.InstallNamespace);
        var leases = LeaseView.From(state.Leases, state.Now);
        var liveNodes = leases.LiveNodes;
        var endpointNodes = EndpointNodes(state.EndpointSlices);
        var warnings = LatestWarnings(state.Events);
        var notes = new List<string>(state.Notes);

        var reports = new List<ServiceStatusReport>();
        foreach (var service in state.Objects.Services.Select(s => s.Value)
                     .OrderBy(s => s.Metadata?.NamespaceProperty, StringComparer.Ordinal)
                     .ThenBy(s => s.Metadata?.Name, StringComparer.Ordinal))
        {
            var meta = service.Metadata;
            var branded = meta.Annotation(Annotations.AllocatedBy) == Annotations.AllocatedByValue;
            if (!branded && !ServiceGroupTranslator.IsOurs(service))
            {
                continue;
            }
            var key = ServiceGroupTranslator.ServiceKey(service);
            var local = service.Spec?.ExternalTrafficPolicy == "Local";
            var problems = new List<string>();
            var addresses = new List<AddressReport>();
            var ingress = service.Status?.LoadBalancer?.Ingress?.Select(i => i.Ip).Where(ip => !string.IsNullOrEmpty(ip)).ToList() ?? [];
            foreach (var text in ingress)
            {
                if (!IpAddr.TryParse(text, out var address))
                {
                    problems.Add($"status address \"{text}\" is not an IP address");
                    continue;
                }
                var pool = live.Config.PoolContaining(address);
                var family = address.Family == IpFamily.IPv4 ? "IPv4" : "IPv6";
                if (pool is null)
                {
                    problems.Add($"{text} is outside every pool: the allocator does not count it and nothing stops it being reused elsewhere");
                }
                var announcement = pool?.PoolType ?? meta.Annotation(Annotations.PoolType);
                var announcers = new List<AnnouncerReport>();
                if (announcement == "local")
                {
                    var annotation = meta.Annotation(address.Family == IpFamily.IPv4 ? Annotations.AnnouncingIpv4 : Annotations.AnnouncingIpv6);
                    announcers.AddRange(LocalAnnouncers(annotation, text, address));
                    if (announcers.Count == 0)
                    {
                        var candidates = System.Net.IPAddress.TryParse(text, out var ip) ? leases.CandidatesFor(ip) : [];
                        problems.Add(candidates.Count == 0
                            ? $"no node announces {text}: no live node advertises a subnet containing it"
                            : $"no node announces {text} yet (no {(address.Family == IpFamily.IPv4 ? Annotations.AnnouncingIpv4 : Annotations.AnnouncingIpv6)} entry); candidates: {string.Join(", ", candidates)}");
                    }
                }
                else if (announcement == "remote")
                {
                    var nodes = local
                        ? (endpointNodes.TryGetValue(key, out var ready) ? ready.Order(StringComparer.Ordinal).ToList() : [])
                        : liveNodes.ToList();
                    announcers.AddRange(nodes.Select(n => new AnnouncerReport(n, null)));
                    if (nodes.Count == 0)
                    {
                        problems.Add(local
                            ? $"no node announces {text}: externalTrafficPolicy is Local and no endpoint is ready"
                            : $"no node announces {text}: no node agent has a live Lease");
                    }
                }
                addresses.Add(new AddressReport(text, family, pool?.Name, announcement, announcers));
            }
            if (ingress.Count == 0)
            {
                if (branded)
                {
                    problems.Add("allocated by purelb but has no address in its status");
                }
                problems.Add(warnings.TryGetValue(key, out var warning)
                    ? $"no address: {warning}"
                    : "no address, and no Warning event explains why (is the allocator running?)");
            }
            else if (!branded)
            {
                problems.Add($"has addresses but no {Annotations.AllocatedBy} annotation: the allocator will not keep them after a restart");
            }
            var failure = live.Rebuild.Failures.FirstOrDefault(f => f.Allocation.ServiceKey == key);
            if (failure.Result is { } result)
            {
                problems.Add($"the allocator cannot keep its addresses: {result.Message}");
            }
            reports.Add(new ServiceStatusReport(
                meta?.NamespaceProperty ?? "",
                meta?.Name ?? "",
                meta.Annotation(Annotations.AllocatedFrom) ?? live.Ledger.AllocationOf(key)?.AllocatedFrom,
                meta.Annotation(Annotations.PoolType),
                service.Spec?.ExternalTrafficPolicy ?? "Cluster",
                branded,
                addresses,
                problems));
        }
        return new ServicesReport(reports, notes);
    }

    /// <summary>Entries "node,interface,ip" of the announcing annotation for this address.</summary>
    private static IEnumerable<AnnouncerReport> LocalAnnouncers(string? annotation, string text, IpAddr address)
    {
        foreach (var entry in (annotation ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split(',');
            if (parts.Length == 3 && (parts[2] == text || (IpAddr.TryParse(parts[2], out var ip) && ip == address)))
            {
                yield return new AnnouncerReport(parts[0], parts[1].Length == 0 ? null : parts[1]);
            }
        }
    }

    /// <summary>Per "namespace/service", the nodes hosting a ready endpoint (an endpoint without the condition counts as ready).</summary>
    private static Dictionary<string, HashSet<string>> EndpointNodes(IEnumerable<V1EndpointSlice> slices)
    {
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var slice in slices)
        {
            if (slice.Metadata.Labels?.TryGetValue(ServiceNameLabel, out var service) != true || string.IsNullOrEmpty(service))
            {
                continue;
            }
            var key = $"{slice.Metadata.NamespaceProperty}/{service}";
            foreach (var endpoint in slice.Endpoints ?? [])
            {
                if (endpoint.Conditions?.Ready != false && !string.IsNullOrEmpty(endpoint.NodeName))
                {
                    if (!result.TryGetValue(key, out var nodes))
                    {
                        result[key] = nodes = new HashSet<string>(StringComparer.Ordinal);
                    }
                    nodes.Add(endpoint.NodeName);
                }
            }
        }
        return result;
    }

    /// <summary>Per "namespace/service", the message of the latest Warning event about it.</summary>
    private static Dictionary<string, string> LatestWarnings(IEnumerable<Corev1Event> events)
    {
        var latest = new Dictionary<string, (DateTimeOffset At, string Message)>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (e.Type != "Warning" || e.InvolvedObject?.Kind != "Service")
            {
                continue;
            }
            var key = $"{e.InvolvedObject.NamespaceProperty ?? e.Metadata?.NamespaceProperty}/{e.InvolvedObject.Name}";
            var at = ReportText.Utc(e.LastTimestamp) ?? ReportText.Utc(e.EventTime) ?? ReportText.Utc(e.Metadata?.CreationTimestamp) ?? DateTimeOffset.MinValue;
            if (!latest.TryGetValue(key, out var seen) || at >= seen.At)
            {
                latest[key] = (at, $"{e.Reason}: {e.Message}");
            }
        }
        return latest.ToDictionary(p => p.Key, p => p.Value.Message, StringComparer.Ordinal);
    }
}
