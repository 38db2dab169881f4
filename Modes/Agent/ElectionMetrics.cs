using Purelb.Election;
using Purelb.Modes.Observability;

namespace Purelb.Modes.Agent;

/// <summary>The <c>purelb_election_*</c> gauges and counters (agent.md §2.9), read from the elector at scrape time.</summary>
public static class ElectionMetrics
{
    public static void Register(MetricRegistry registry, Elector elector, MembershipTracker tracker, string node)
    {
        registry.AddCollector(() =>
        {
            var view = tracker.Current;
            return
            [
                ("purelb_election_lease_healthy", "1 while this node may announce.", "gauge", elector.MayAnnounce ? 1 : 0),
                ("purelb_election_lease_renewals_total", "Confirmed lease renewals.", "counter", elector.RenewalsTotal),
                ("purelb_election_lease_renewal_failures_total", "Failed lease renewals.", "counter", elector.RenewalFailuresTotal),
                ("purelb_election_member_count", "Live nodes.", "gauge", view.LiveNodes.Count),
                ("purelb_election_subnet_count", "Distinct subnets advertised by live nodes.", "gauge", view.SubnetCount),
                ("purelb_election_local_subnet_count", "Subnets this node advertises.", "gauge", view.SubnetsOf(node).Count),
            ];
        });
    }
}
