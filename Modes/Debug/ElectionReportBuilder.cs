using System.Net;
using Purelb.Election;
using Purelb.Kube;

namespace Purelb.Modes.Debug;

/// <summary>
/// Builds <see cref="ElectionReport"/> with the election's own code: lease validation (<see cref="PeerLease"/>),
/// candidate choice by advertised subnet, and the rendezvous hash (<see cref="WinnerSelector"/>) over the key
/// spelled by <see cref="ElectionKey"/>.
/// </summary>
public static class ElectionReportBuilder
{
    public static ElectionReport Build(ClusterState state, IPAddress? address)
    {
        var view = LeaseView.From(state.Leases, state.Now);
        var members = view.Members.Select(m => new ElectionMemberReport(
            m.Lease.Node,
            m.Lease.Instance,
            m.Live,
            m.Lease.Subnets.Select(IpText.FormatPrefix).ToList(),
            m.Lease.RenewTime,
            (long)Math.Floor(m.Age.TotalSeconds),
            (long)m.Lease.Duration.TotalSeconds,
            m.Lease.Warnings)).ToList();
        var ignored = view.Ignored.Select(i => new IgnoredLeaseReport(i.Lease, i.Reason)).ToList();
        AddressRankingReport? ranking = null;
        if (address is not null)
        {
            address = ElectionKey.Normalize(address);
            var key = ElectionKey.Format(address);
            var order = WinnerSelector.Rank(key, view.CandidatesFor(address));
            var holders = state.Objects.Services
                .Where(s => s.Value.Status?.LoadBalancer?.Ingress?.Any(i => IPAddress.TryParse(i.Ip, out var ip) && ElectionKey.Normalize(ip).Equals(address)) == true)
                .Select(s => ServiceGroupTranslator.ServiceKey(s.Value))
                .Order(StringComparer.Ordinal)
                .ToList();
            ranking = new AddressRankingReport(address.ToString(), key, order.Count > 0 ? order[0] : null, order, holders);
        }
        return new ElectionReport(state.InstallNamespace, members, ignored, ranking);
    }
}
