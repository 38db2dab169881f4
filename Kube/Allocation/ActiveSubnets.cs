using k8s.Models;
using Purelb.Election;
using Purelb.Ipam;

namespace Purelb.Kube.Allocation;

/// <summary>
/// Subnets that have a live node agent, read from the agents' Leases (<c>purelb.io/subnets</c>, allocator.md §3.3);
/// multiPool gives one address per such subnet. A Lease past its duration is not live.
/// </summary>
public static class ActiveSubnets
{
    public const string LeasePrefix = "purelb-node-";

    public static IReadOnlyCollection<IpNetwork> From(IEnumerable<V1Lease> leases, DateTimeOffset now)
    {
        var result = new HashSet<IpNetwork>();
        foreach (var lease in leases)
        {
            if (!lease.Metadata.Name.StartsWith(LeasePrefix, StringComparison.Ordinal)) continue;
            if (lease.Spec?.RenewTime is { } renewed && lease.Spec.LeaseDurationSeconds is { } seconds &&
                new DateTimeOffset(DateTime.SpecifyKind(renewed, DateTimeKind.Utc)).AddSeconds(seconds) < now)
                continue;
            var text = lease.Metadata.Annotations is { } a && a.TryGetValue(Annotations.Subnets, out var v) ? v : null;
            foreach (var subnet in SubnetsAnnotation.Parse(text).Subnets)
                if (IpNetwork.TryParse(subnet.ToString(), out var network))
                    result.Add(network);
        }
        return result;
    }
}
