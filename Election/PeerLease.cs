using System.Net;

namespace Purelb.Election;

/// <summary>A node's lease as the election uses it, after validation.</summary>
/// <param name="Node">Node name, from the lease name.</param>
/// <param name="Instance">The writer's pod UID (<c>purelb.io/instance</c>), "" when absent.</param>
/// <param name="RenewTime">The writer's wall-clock renew time; used only to notice a renewal, never to judge age.</param>
/// <param name="Duration">Lease duration written by the node.</param>
/// <param name="Subnets">Subnets the node advertises.</param>
/// <param name="Warnings">Problems that did not disqualify the lease (bad subnet entries, truncation).</param>
public sealed record PeerLease(
    string Node,
    string Instance,
    DateTimeOffset RenewTime,
    TimeSpan Duration,
    IReadOnlyList<IPNetwork> Subnets,
    IReadOnlyList<string> Warnings)
{
    /// <summary>
    /// Validates a lease read from the store. A lease that is not one of ours, or that no node could
    /// be judged live from, yields <see cref="LeaseReadResult.Ignored"/> with a reason; nothing throws.
    /// </summary>
    public static LeaseReadResult TryRead(LeaseRecord record)
    {
        if (!LeaseContract.TryGetNodeName(record.Name, out var node))
        {
            return LeaseReadResult.Ignore(LeaseIgnoreReason.NotAPurelbLease, $"lease {record.Name} does not start with {LeaseContract.NamePrefix}");
        }
        if (record.RenewTime is not { } renew)
        {
            return LeaseReadResult.Ignore(LeaseIgnoreReason.MissingRenewTime, $"lease {record.Name} has no renewTime");
        }
        if (record.LeaseDurationSeconds is not { } seconds || seconds <= 0)
        {
            return LeaseReadResult.Ignore(LeaseIgnoreReason.InvalidDuration,
                $"lease {record.Name} has leaseDurationSeconds {record.LeaseDurationSeconds?.ToString() ?? "unset"}");
        }
        var parsed = SubnetsAnnotation.Parse(record.Annotation(LeaseContract.SubnetsAnnotation));
        var warnings = new List<string>();
        foreach (var bad in parsed.Rejected)
        {
            warnings.Add($"lease {record.Name}: ignored subnet entry \"{bad}\"");
        }
        if (parsed.Truncated > 0)
        {
            warnings.Add($"lease {record.Name}: {parsed.Truncated} subnets beyond {LeaseContract.MaxSubnetsPerLease} ignored");
        }
        return new LeaseReadResult(
            new PeerLease(node, record.Annotation(LeaseContract.InstanceAnnotation) ?? "", renew,
                TimeSpan.FromSeconds(seconds), parsed.Subnets, warnings),
            LeaseIgnoreReason.None, null);
    }
}

public enum LeaseIgnoreReason
{
    None,
    NotAPurelbLease,
    MissingRenewTime,
    InvalidDuration,
}

/// <summary>Either a usable <see cref="PeerLease"/> or the reason the record was ignored.</summary>
public sealed record LeaseReadResult(PeerLease? Lease, LeaseIgnoreReason Reason, string? Message)
{
    public static LeaseReadResult Ignore(LeaseIgnoreReason reason, string message) => new(null, reason, message);
}
