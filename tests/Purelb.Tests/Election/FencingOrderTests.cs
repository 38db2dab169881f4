using Purelb.Election;
using Xunit;

namespace Purelb.Tests.Election;

/// <summary>
/// The self-fencing guarantee, checked on two simulated nodes whose clocks run at different rates:
/// node A renews its lease until its API access breaks; node B watches A's lease. A must fence (and have
/// its withdraw allowance W left) before B considers A's lease expired, in true time. See docs/election.md.
/// </summary>
public class FencingOrderTests
{
    private static TimeSpan S(double s) => TimeSpan.FromSeconds(s);

    public enum Fault { Unavailable, Hang, LostAcks, SlowAfterOneFailure }

    private sealed record Outcome(TimeSpan FenceTrue, TimeSpan PeerExpiryTrue, bool FencedAtPeerExpiry, IReadOnlyList<string> Overlaps);

    private static Outcome Simulate(ElectionTiming timing, double rateA, double rateB, TimeSpan partitionAt, Fault fault, TimeSpan observationDelay)
    {
        using var noContext = new NoSyncContext();
        var clockA = new FakeClock(rateA);
        var clockB = new FakeClock(rateB);
        var world = new FakeWorld(clockA, clockB);
        var store = new FakeLeaseStore();
        using var elector = new Elector(new ElectorOptions("node-a", "pod-a", null, timing, () => "192.168.1.0/24"), store, clockA);
        using var peer = new MembershipTracker(clockB);
        peer.Replace([]);

        TimeSpan? fenceTrue = null, expiryTrue = null;
        bool fencedAtExpiry = false;
        var overlaps = new List<string>();
        elector.StateChanged += s =>
        {
            if (s == ElectorState.Fenced && fenceTrue is null) fenceTrue = world.Now;
            // (Re)joining: the peer must already count A as live, or it may still hold A's addresses.
            if (s == ElectorState.Healthy && !peer.Current.LiveNodes.Contains("node-a"))
            {
                overlaps.Add($"A healthy at {world.Now} while the peer thinks it is gone");
            }
        };
        peer.Changed += snap =>
        {
            if (!snap.LiveNodes.Contains("node-a") && elector.MayAnnounce)
            {
                overlaps.Add($"peer dropped A at {world.Now} while A may announce");
            }
            if (expiryTrue is null && !snap.LiveNodes.Contains("node-a"))
            {
                expiryTrue = world.Now;
                fencedAtExpiry = elector.State == ElectorState.Fenced && !elector.MayAnnounce;
            }
        };
        // B's watch: it sees each applied write after the given delay (0 = the earliest possible instant).
        var pending = new List<ITimer>();
        store.Written += (_, record) =>
        {
            if (record is null) return;
            if (observationDelay == TimeSpan.Zero) peer.Observe(record);
            else pending.Add(clockB.CreateTimer(_ => peer.Observe(record), null, observationDelay, Timeout.InfiniteTimeSpan));
        };
        // A's renew loop, ticking on A's clock.
        using var renewTimer = clockA.CreateTimer(_ => _ = elector.TryRenewAsync(CancellationToken.None), null, TimeSpan.Zero, timing.RenewPeriod);

        world.AdvanceTo(partitionAt);
        Assert.Equal(ElectorState.Healthy, elector.State);
        switch (fault)
        {
            case Fault.Unavailable: store.FailWith = LeaseStoreError.Unavailable; break;
            case Fault.Hang: store.Hang = true; break;
            case Fault.LostAcks: store.LoseAcks = true; break;
            case Fault.SlowAfterOneFailure:
                // One failed attempt, then writes that take almost the whole request timeout: a renewal is
                // acknowledged after the previous deadline and must not be trusted before peers see it.
                store.FailNext = 1;
                store.LatencyClock = clockA;
                store.WriteLatency = timing.RequestTimeout - TimeSpan.FromMilliseconds(1);
                break;
        }
        world.Advance(timing.LeaseDuration * 3);
        if (fault == Fault.SlowAfterOneFailure)
        {
            store.FailWith = LeaseStoreError.Unavailable; // finally cut off, so the lease does expire
            world.Advance(timing.LeaseDuration * 3);
        }
        if (fault == Fault.LostAcks)
        {
            // Writes still land, so B keeps seeing renewals; stop them to let the lease expire.
            renewTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            world.Advance(timing.LeaseDuration * 3);
        }
        foreach (var t in pending) t.Dispose();
        Assert.NotNull(fenceTrue);
        Assert.NotNull(expiryTrue);
        return new Outcome(fenceTrue!.Value, expiryTrue!.Value, fencedAtExpiry, overlaps);
    }

    public static IEnumerable<object[]> Cases()
    {
        const double e = ElectionTiming.DefaultClockRateTolerance;
        foreach (var seconds in new[] { 1, 5, 10 })
        foreach (var (ra, rb) in new[] { (1 - e, 1 + e), (1 + e, 1 - e), (1.0, 1.0) })
        foreach (var phase in new[] { 0.0, 0.13, 0.5, 0.99 })
        foreach (var fault in Enum.GetValues<Fault>())
        foreach (var delayMs in new[] { 0, 300, -1 }) // -1: the largest lag the timing allows (Δ)
            yield return [seconds, ra, rb, phase, fault, delayMs];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Node_fences_and_withdraws_before_any_peer_sees_its_lease_expire(int leaseSeconds, double rateA, double rateB, double phase, Fault fault, int delayMs)
    {
        var timing = ElectionTiming.ForLeaseDuration(TimeSpan.FromSeconds(leaseSeconds));
        // Break the API at some point inside a renew cycle, after a few healthy renewals.
        var partitionAt = timing.RenewPeriod * (3 + phase);
        var lag = delayMs < 0 ? timing.WatchLagAllowance : TimeSpan.FromMilliseconds(Math.Min(delayMs, timing.WatchLagAllowance.TotalMilliseconds));
        var o = Simulate(timing, rateA, rateB, partitionAt, fault, lag);
        Assert.Empty(o.Overlaps);
        Assert.True(o.FenceTrue + timing.WithdrawAllowance <= o.PeerExpiryTrue,
            $"fenced at {o.FenceTrue}, withdraw allowance {timing.WithdrawAllowance}, peer expiry at {o.PeerExpiryTrue}");
        Assert.True(o.FencedAtPeerExpiry);
    }

    [Fact]
    public void Worst_case_gap_is_the_withdraw_allowance()
    {
        // A slow, B fast, B observes at the instant of the write, partition right after a renewal: the
        // tightest case. The gap left for withdrawal is W to within the rounding of 2εL/(1+ε) vs 2εL.
        var timing = ElectionTiming.Default;
        const double e = ElectionTiming.DefaultClockRateTolerance;
        var o = Simulate(timing, 1 - e, 1 + e, timing.RenewPeriod * 3 + TimeSpan.FromTicks(1), Fault.Unavailable, TimeSpan.Zero);
        var gap = o.PeerExpiryTrue - o.FenceTrue;
        Assert.InRange(gap, timing.WithdrawAllowance, timing.WithdrawAllowance + TimeSpan.FromMilliseconds(10));
    }

    [Fact]
    public void Without_the_margin_the_ordering_breaks()
    {
        // Control: fencing at renewStart + L (no rate allowance, no withdraw time) is not safe when A's clock
        // is 1% slow and B's 1% fast — so the tests above can fail.
        var naive = new ElectionTiming(S(5), S(2), S(0.5), clockRateTolerance: 0, withdrawAllowance: TimeSpan.FromTicks(1), watchLagAllowance: TimeSpan.Zero);
        var o = Simulate(naive, 0.99, 1.01, S(6), Fault.Unavailable, TimeSpan.Zero);
        Assert.True(o.FenceTrue > o.PeerExpiryTrue, $"fenced at {o.FenceTrue}, peer expiry at {o.PeerExpiryTrue}");
        Assert.False(o.FencedAtPeerExpiry);
        Assert.NotEmpty(o.Overlaps);
    }

    [Fact]
    public void Without_the_watch_lag_rule_a_late_acknowledgement_overlaps()
    {
        // Control: trust a renewal the moment it is acknowledged (Δ = 0) while the peer's watch lags 0.5 s.
        var trusting = new ElectionTiming(S(5), S(2), S(0.5), watchLagAllowance: TimeSpan.Zero, withdrawAllowance: TimeSpan.FromTicks(1));
        var o = Simulate(trusting, 0.99, 1.01, S(6.5), Fault.SlowAfterOneFailure, S(0.5));
        Assert.NotEmpty(o.Overlaps);
    }
}
