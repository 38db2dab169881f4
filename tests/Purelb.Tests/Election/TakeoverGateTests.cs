using System.Net;
using Purelb.Election;
using Purelb.Modes.Agent.Model;
using Xunit;
using static Purelb.Tests.Election.LeaseModelTests;

namespace Purelb.Tests.Election;

public class TakeoverGateTests
{
    private static readonly DateTimeOffset Wall = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan HoldOff = ElectionTiming.Default.JoinHoldOff;

    private static ElectionDecision Won(string me) => new(ElectionOutcome.Won, me, "192.168.1.10", false);
    private static ElectionDecision Lost(string winner) => new(ElectionOutcome.Lost, winner, "192.168.1.10", false);

    private static MembershipTracker Members(FakeClock clock, params string[] nodes)
    {
        var t = new MembershipTracker(clock);
        t.Replace(nodes.Select(n => Lease(n, Wall)));
        return t;
    }

    [Fact]
    public void New_address_is_announced_at_once()
    {
        var clock = new FakeClock();
        using var m = Members(clock, "a", "b");
        var gate = new TakeoverGate(clock, HoldOff);
        Assert.Equal(TakeoverAction.Announce, gate.Evaluate(Won("a"), m.Current).Action);
        Assert.Equal(TakeoverAction.Announce, gate.Evaluate(Won("a"), m.Current).Action);
    }

    [Fact]
    public void Taking_over_from_a_live_node_waits_for_it_to_withdraw()
    {
        var clock = new FakeClock();
        using var m = Members(clock, "a", "b");
        var gate = new TakeoverGate(clock, HoldOff);
        Assert.Equal(TakeoverAction.Withdraw, gate.Evaluate(Lost("b"), m.Current).Action);
        // b still live, but we now win (say our subnets changed): hold Δ + W.
        var v = gate.Evaluate(Won("a"), m.Current);
        Assert.Equal(new TakeoverVerdict(TakeoverAction.Hold, HoldOff), v);
        clock.Advance(HoldOff / 2);
        Assert.Equal(new TakeoverVerdict(TakeoverAction.Hold, HoldOff / 2), gate.Evaluate(Won("a"), m.Current));
        clock.Advance(HoldOff / 2);
        Assert.Equal(TakeoverAction.Announce, gate.Evaluate(Won("a"), m.Current).Action);
    }

    [Fact]
    public void Taking_over_from_a_dead_node_is_immediate()
    {
        var clock = new FakeClock();
        using var m = Members(clock, "a", "b");
        var gate = new TakeoverGate(clock, HoldOff);
        gate.Evaluate(Lost("b"), m.Current);
        m.Remove(LeaseContract.LeaseName("b"));
        Assert.Equal(TakeoverAction.Announce, gate.Evaluate(Won("a"), m.Current).Action);
    }

    [Fact]
    public void Losing_again_while_holding_resets_the_wait()
    {
        var clock = new FakeClock();
        using var m = Members(clock, "a", "b");
        var gate = new TakeoverGate(clock, HoldOff);
        gate.Evaluate(Lost("b"), m.Current);
        gate.Evaluate(Won("a"), m.Current);
        clock.Advance(HoldOff / 2);
        gate.Evaluate(Lost("b"), m.Current);
        clock.Advance(HoldOff / 2);
        Assert.Equal(TakeoverAction.Hold, gate.Evaluate(Won("a"), m.Current).Action);
    }

    [Fact]
    public void Not_ready_withdraws_without_forgetting_the_winner()
    {
        var clock = new FakeClock();
        using var m = Members(clock, "a", "b");
        var gate = new TakeoverGate(clock, HoldOff);
        gate.Evaluate(Lost("b"), m.Current);
        Assert.Equal(TakeoverAction.Withdraw, gate.Evaluate(new ElectionDecision(ElectionOutcome.NotReady, null, "192.168.1.10", false), m.Current).Action);
        Assert.Equal(TakeoverAction.Hold, gate.Evaluate(Won("a"), m.Current).Action);
    }
}
