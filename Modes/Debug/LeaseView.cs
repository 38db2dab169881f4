using k8s.Models;
using Purelb.Election;

namespace Purelb.Modes.Debug;

/// <summary>One node agent's Lease as the debug tools judge it.</summary>
/// <param name="Lease">The validated lease (subnets, instance, duration).</param>
/// <param name="Age">Time since the writer's last renewal, on our wall clock.</param>
/// <param name="Live">Renewed within its duration.</param>
public sealed record LeaseMember(PeerLease Lease, TimeSpan Age, bool Live);

/// <summary>
/// The agents' Leases read once. The agents judge liveness by when they saw a renewal (MembershipTracker, immune to
/// clock offsets); a one-shot reader has seen nothing before, so it compares renewTime plus duration with its own
/// clock, as the allocator does for multiPool subnets. Validation is the election's own (<see cref="PeerLease.TryRead"/>).
/// </summary>
public sealed class LeaseView
{
    private LeaseView(IReadOnlyList<LeaseMember> members, IReadOnlyList<(string Lease, string Reason)> ignored)
    {
        Members = members;
        Ignored = ignored;
    }

    /// <summary>Every valid purelb lease, live or not, by node name.</summary>
    public IReadOnlyList<LeaseMember> Members { get; }

    /// <summary>purelb leases that the election ignores, with why.</summary>
    public IReadOnlyList<(string Lease, string Reason)> Ignored { get; }

    public IReadOnlyList<string> LiveNodes => Members.Where(m => m.Live).Select(m => m.Lease.Node).ToList();

    public static LeaseView From(IEnumerable<V1Lease> leases, DateTimeOffset now)
    {
        var members = new List<LeaseMember>();
        var ignored = new List<(string, string)>();
        foreach (var lease in leases)
        {
            var result = PeerLease.TryRead(ToRecord(lease));
            if (result.Lease is { } peer)
            {
                var age = now - peer.RenewTime;
                members.Add(new LeaseMember(peer, age, age < peer.Duration));
            }
            else if (result.Reason != LeaseIgnoreReason.NotAPurelbLease)
            {
                ignored.Add((lease.Metadata?.Name ?? "", result.Message ?? result.Reason.ToString()));
            }
        }
        members.Sort((a, b) => string.CompareOrdinal(a.Lease.Node, b.Lease.Node));
        return new LeaseView(members, ignored);
    }

    /// <summary>Live nodes advertising a subnet that contains <paramref name="address"/>: the election's candidates.</summary>
    public IReadOnlyList<string> CandidatesFor(System.Net.IPAddress address) =>
        Members.Where(m => m.Live && m.Lease.Subnets.Any(s => IpText.Contains(s, address))).Select(m => m.Lease.Node).ToList();

    private static LeaseRecord ToRecord(V1Lease lease) => new(
        lease.Metadata?.Name ?? "",
        lease.Spec?.HolderIdentity,
        ReportText.Utc(lease.Spec?.RenewTime),
        lease.Spec?.LeaseDurationSeconds,
        lease.Metadata?.Annotations is { } a ? new Dictionary<string, string>(a) : new Dictionary<string, string>(),
        lease.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : new Dictionary<string, string>(),
        null,
        lease.Metadata?.ResourceVersion);
}
