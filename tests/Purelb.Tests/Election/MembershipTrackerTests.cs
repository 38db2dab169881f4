using System.Net;
using Purelb.Election;
using Xunit;
using static Purelb.Tests.Election.LeaseModelTests;

namespace Purelb.Tests.Election;

public class MembershipTrackerTests
{
    private static readonly DateTimeOffset Wall = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static TimeSpan S(double s) => TimeSpan.FromSeconds(s);

    private sealed class Rig
    {
        public FakeClock Clock { get; } = new();
        public MembershipTracker Tracker { get; }
        public List<(TimeSpan At, string Live)> Changes { get; } = [];

        public Rig()
        {
            Tracker = new MembershipTracker(Clock);
            Tracker.Changed += s => Changes.Add((Clock.Local, string.Join(",", s.LiveNodes)));
            Tracker.Replace([]);
        }

        public string Live => string.Join(",", Tracker.Current.LiveNodes);
    }

    // Script: each step advances our clock, then applies one event, then checks the live set.
    public static TheoryData<string, (double At, string Op, string Node, double RenewOffset, string ExpectLive)[]> Scripts => new()
    {
        {
            "expiry is measured from our observation, on our clock",
            [
                (0, "observe", "a", 0, "a"),
                (4.9, "check", "", 0, "a"),
                (5.0, "check", "", 0, ""), // strict: live only while now < observed + L
            ]
        },
        {
            "a renewal restarts the clock; a resync replay does not",
            [
                (0, "observe", "a", 0, "a"),
                (3, "observe", "a", 3, "a"),      // renewed at +3
                (6, "observe", "a", 3, "a"),      // same record replayed: not a renewal
                (7.9, "check", "", 0, "a"),
                (8, "check", "", 0, ""),
                (9, "observe", "a", 3, ""),       // replay of an expired lease does not revive it
            ]
        },
        {
            "the writer's wall clock is irrelevant (an hour in the past or future)",
            [
                (0, "observe", "a", -3600, "a"),
                (1, "observe", "b", 3600, "a,b"),
                (4.99, "check", "", 0, "a,b"),
                (5, "check", "", 0, "b"),
                (6, "check", "", 0, ""),
            ]
        },
        {
            "a deleted lease drops its node at once; re-creation is a fresh observation",
            [
                (0, "observe", "a", 0, "a"),
                (1, "delete", "a", 0, ""),
                (2, "observe", "a", 0, "a"),      // same renewTime, but deleted in between: new observation
                (6.9, "check", "", 0, "a"),
                (7, "check", "", 0, ""),
            ]
        },
        {
            "a lease turning invalid drops its node",
            [
                (0, "observe", "a", 0, "a"),
                (1, "observe-bad", "a", 0, ""),
            ]
        },
    };

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Membership_script(string description, (double At, string Op, string Node, double RenewOffset, string ExpectLive)[] steps)
    {
        var rig = new Rig();
        foreach (var (at, op, node, renewOffset, expect) in steps)
        {
            rig.Clock.Advance(S(at) - rig.Clock.Local);
            switch (op)
            {
                case "observe":
                    rig.Tracker.Observe(Lease(node, Wall + S(renewOffset)));
                    break;
                case "observe-bad":
                    rig.Tracker.Observe(Lease(node, Wall, seconds: 0));
                    break;
                case "delete":
                    rig.Tracker.Remove(LeaseContract.LeaseName(node));
                    break;
            }
            Assert.True(expect == rig.Live, $"{description}: at {at}s after {op} expected [{expect}] got [{rig.Live}]");
        }
    }

    [Fact]
    public void Expiry_fires_the_change_callback_at_the_exact_instant()
    {
        var rig = new Rig();
        rig.Tracker.Observe(Lease("a", Wall));
        rig.Clock.Advance(S(1));
        rig.Tracker.Observe(Lease("b", Wall));
        Assert.Equal(S(4), rig.Tracker.TimeUntilNextExpiry);
        rig.Changes.Clear();

        rig.Clock.Advance(S(10)); // one jump: the timer must fire at 5 s and at 6 s, not at 11 s
        Assert.Equal([(S(5), "b"), (S(6), "")], rig.Changes);
        Assert.Null(rig.Tracker.TimeUntilNextExpiry);
    }

    [Fact]
    public void Renewals_that_change_nothing_raise_no_change()
    {
        var rig = new Rig();
        rig.Tracker.Observe(Lease("a", Wall));
        rig.Tracker.Observe(Lease("b", Wall));
        int before = rig.Changes.Count;
        for (int i = 1; i <= 5; i++)
        {
            rig.Clock.Advance(S(2));
            rig.Tracker.Observe(Lease("a", Wall + S(2 * i)));
            rig.Tracker.Observe(Lease("b", Wall + S(2 * i), subnets: "192.168.1.0/24"));
        }
        Assert.Equal(before, rig.Changes.Count);
        // A subnet change is a membership change.
        rig.Tracker.Observe(Lease("b", Wall + S(11), subnets: "192.168.1.0/24,10.0.0.0/8"));
        Assert.Equal(before + 1, rig.Changes.Count);
    }

    [Fact]
    public void Not_synced_until_the_first_list()
    {
        var clock = new FakeClock();
        using var tracker = new MembershipTracker(clock);
        tracker.Observe(Lease("a", Wall));
        Assert.False(tracker.Current.IsSynced);
        tracker.Replace([Lease("a", Wall), Lease("b", Wall)]);
        Assert.True(tracker.Current.IsSynced);
        Assert.Equal(["a", "b"], tracker.Current.LiveNodes);
        tracker.Replace([Lease("b", Wall)]); // relist without a: a is gone
        Assert.Equal(["b"], tracker.Current.LiveNodes);
    }

    [Fact]
    public void Bad_leases_are_reported_not_fatal()
    {
        var rig = new Rig();
        var results = rig.Tracker.Replace([
            Lease("good", Wall),
            Lease("nodur", Wall, seconds: null),
            Lease("garbled", Wall, subnets: "x,192.168.1.0/24"),
            Lease("other", Wall) with { Name = "some-other-lease" },
        ]);
        Assert.Equal(4, results.Count);
        Assert.Equal(["garbled", "good"], rig.Tracker.Current.LiveNodes);
        var ignored = rig.Tracker.Ignored;
        Assert.Equal(LeaseIgnoreReason.InvalidDuration, ignored["purelb-node-nodur"].Reason);
        Assert.Contains(ignored["purelb-node-garbled"].Lease!.Warnings, w => w.Contains("\"x\""));
        Assert.False(ignored.ContainsKey("some-other-lease"));
    }

    [Fact]
    public void Candidates_are_nodes_advertising_a_containing_subnet()
    {
        var rig = new Rig();
        rig.Tracker.Observe(Lease("a", Wall, subnets: "192.168.1.0/24,2001:db8::/64"));
        rig.Tracker.Observe(Lease("b", Wall, subnets: "192.168.0.0/16"));
        rig.Tracker.Observe(Lease("c", Wall, subnets: "10.0.0.0/8"));
        rig.Tracker.Observe(Lease("d", Wall, subnets: ""));
        var snap = rig.Tracker.Current;
        Assert.Equal(["a", "b"], snap.CandidatesFor(IPAddress.Parse("192.168.1.100")));
        Assert.Equal(["b"], snap.CandidatesFor(IPAddress.Parse("192.168.2.1")));
        Assert.Equal(["a"], snap.CandidatesFor(IPAddress.Parse("2001:db8::10")));
        Assert.Equal(["a", "b"], snap.CandidatesFor(IPAddress.Parse("::ffff:192.168.1.1")));
        Assert.Empty(snap.CandidatesFor(IPAddress.Parse("172.16.0.1")));
        Assert.Equal(4, snap.SubnetCount);
    }

    [Fact]
    public void Address_election_combines_health_sync_and_hash()
    {
        var rig = new Rig();
        bool healthy = true;
        rig.Tracker.Observe(Lease("node-a", Wall, subnets: "192.168.1.0/24"));
        rig.Tracker.Observe(Lease("node-b", Wall, subnets: "192.168.1.0/24"));
        rig.Tracker.Observe(Lease("node-c", Wall, subnets: "192.168.1.0/24"));
        var a = new AddressElection("node-a", () => rig.Tracker.Current, () => healthy);
        var c = new AddressElection("node-c", () => rig.Tracker.Current, () => healthy);

        var ip = IPAddress.Parse("192.168.1.100");
        Assert.Equal(ElectionOutcome.Lost, a.Decide(ip).Outcome);
        Assert.Equal(new ElectionDecision(ElectionOutcome.Won, "node-c", "192.168.1.100", false), c.Decide(ip));
        Assert.Equal(ElectionOutcome.NoEligibleNodes, c.Decide(IPAddress.Parse("10.1.1.1")).Outcome);
        var pref = c.Decide(ip, ["node-z"]);
        Assert.True(pref.AffinityFellBack);
        Assert.Equal("node-c", pref.Winner);

        healthy = false; // fenced: we take part in nothing
        Assert.Equal(ElectionOutcome.NotReady, c.Decide(ip).Outcome);
        healthy = true;

        rig.Clock.Advance(S(2));
        rig.Tracker.Observe(Lease("node-a", Wall + S(2), subnets: "192.168.1.0/24"));
        rig.Tracker.Observe(Lease("node-b", Wall + S(2), subnets: "192.168.1.0/24"));
        rig.Clock.Advance(S(3)); // node-c's lease expires (observed at 0, L = 5)
        var after = a.Decide(ip);
        Assert.Equal(WinnerSelector.Winner("192.168.1.100", ["node-a", "node-b"]), after.Winner);
    }
}
