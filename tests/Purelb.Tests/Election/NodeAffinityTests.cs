using System.Net;
using Purelb.Election;
using Xunit;

namespace Purelb.Tests.Election;

/// <summary>The preferred set of <c>purelb.io/node-affinity: service-endpoints</c> (agent.md §2.6) and how it steers the winner.</summary>
public class NodeAffinityTests
{
    private static readonly Dictionary<string, string> OptedIn = new() { ["purelb.io/node-affinity"] = "service-endpoints" };

    private static EndpointPresence Ep(string? node, bool? ready = true, bool? serving = null, bool? terminating = null) =>
        new(node, ready, serving, terminating);

    [Fact]
    public void Only_the_exact_annotation_value_without_sharing_opts_in()
    {
        var endpoints = new[] { Ep("node-b") };
        Assert.Equal(["node-b"], NodeAffinity.Preferred(OptedIn, endpoints));
        Assert.Empty(NodeAffinity.Preferred(null, endpoints));
        Assert.Empty(NodeAffinity.Preferred(new Dictionary<string, string>(), endpoints));
        Assert.Empty(NodeAffinity.Preferred(new Dictionary<string, string> { ["purelb.io/node-affinity"] = "Service-Endpoints" }, endpoints));
        Assert.Empty(NodeAffinity.Preferred(new Dictionary<string, string> { ["purelb.io/node-affinity"] = "true" }, endpoints));
        // Sharers must all elect the same node, so affinity is off for them.
        Assert.Empty(NodeAffinity.Preferred(new Dictionary<string, string>(OptedIn) { ["purelb.io/allow-shared-ip"] = "k" }, endpoints));
    }

    [Fact]
    public void Nodes_of_endpoints_that_can_take_traffic_in_first_seen_order_without_duplicates()
    {
        var preferred = NodeAffinity.Preferred(OptedIn,
        [
            Ep("node-c"),
            Ep("node-a", ready: false, serving: true),          // terminating but still serving: counts (upstream)
            Ep("node-c"),
            Ep("node-d", ready: false, serving: false),          // neither: out
            Ep(null),                                            // no node: skipped
            Ep(""),
            Ep("node-e", ready: null, serving: null),            // conditions absent: counts (EndpointConditions contract)
            Ep("node-f", ready: null, serving: null, terminating: true),
            Ep("node-g", ready: false, serving: null),
        ]);
        Assert.Equal(["node-c", "node-a", "node-e"], preferred);
    }

    [Fact]
    public void The_preferred_set_narrows_the_hash_and_an_empty_intersection_falls_back_to_every_candidate()
    {
        string[] candidates = ["node-a", "node-b", "node-c"];
        const string key = "192.168.1.100";
        var plain = WinnerSelector.Winner(key, candidates);
        Assert.Equal("node-c", plain); // agent.md §2.5 test vector

        Assert.Equal(("node-a", false), AddressElection.WinnerWithPreference(key, candidates, ["node-a"]));
        // Among two preferred nodes the hash decides between them only.
        var two = AddressElection.WinnerWithPreference(key, candidates, ["node-b", "node-a"]);
        Assert.Equal(WinnerSelector.Winner(key, ["node-a", "node-b"]), two.Winner);
        Assert.False(two.AffinityFellBack);
        // Preferred nodes that are not candidates (other subnet, dead): hash over all, and say so.
        Assert.Equal(("node-c", true), AddressElection.WinnerWithPreference(key, candidates, ["node-x"]));
        // Opted in with no usable endpoint: same as no affinity, not a fallback.
        Assert.Equal(("node-c", false), AddressElection.WinnerWithPreference(key, candidates, []));
    }

    [Fact]
    public void Every_node_computes_the_same_affinity_winner_from_the_same_view()
    {
        var clock = new FakeClock();
        var tracker = new MembershipTracker(clock);
        var now = clock.GetUtcNow();
        tracker.Replace(new[] { "node-a", "node-b", "node-c" }.Select(n => LeaseModelTests.Lease(n, now)));
        var ip = IPAddress.Parse("192.168.1.100");
        var preferred = NodeAffinity.Preferred(OptedIn, [Ep("node-b"), Ep("node-a", ready: false)]);
        var decisions = new[] { "node-a", "node-b", "node-c" }
            .Select(n => new AddressElection(n, () => tracker.Current, () => true).Decide(ip, preferred))
            .ToList();
        Assert.All(decisions, d => Assert.Equal("node-b", d.Winner));
        Assert.Equal([ElectionOutcome.Lost, ElectionOutcome.Won, ElectionOutcome.Lost], decisions.Select(d => d.Outcome));
    }
}
