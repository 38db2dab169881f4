using Purelb.Election;
using Xunit;

namespace Purelb.Tests.Election;

public class ElectorTests
{
    private static TimeSpan S(double s) => TimeSpan.FromSeconds(s);
    // L 5 s, R 2 s, retry 0.5 s, request timeout 2 s, fence after F = 4.65 s, watch lag Δ 0.5 s, join hold-off Δ + W = 0.75 s.
    private static readonly ElectionTiming Timing = ElectionTiming.Default;
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private sealed class Rig : IDisposable
    {
        public FakeClock Clock { get; } = new();
        public FakeLeaseStore Store { get; } = new();
        public Elector Elector { get; }
        public List<(TimeSpan At, ElectorState State)> States { get; } = [];
        public string Subnets { get; set; } = "192.168.1.0/24";

        private readonly NoSyncContext _noContext = new();

        public Rig(ElectionTiming? timing = null, string instance = "pod-1")
        {
            Elector = new Elector(new ElectorOptions("node1", instance, "node-uid-1", timing ?? Timing, () => Subnets), Store, Clock);
            Elector.StateChanged += s => States.Add((Clock.Local, s));
        }

        public RenewOutcome Renew()
        {
            var task = Elector.TryRenewAsync(CancellationToken.None);
            Assert.True(task.IsCompleted, "fake store calls complete synchronously");
            return task.Result;
        }

        public LeaseRecord Lease => Store.Peek("purelb-node-node1")!;

        public void Dispose()
        {
            Elector.Dispose();
            _noContext.Dispose();
        }
    }

    [Fact]
    public void First_attempt_creates_the_lease_with_the_contract_fields()
    {
        using var rig = new Rig();
        Assert.Equal(ElectorState.Starting, rig.Elector.State);
        Assert.False(rig.Elector.MayAnnounce);

        Assert.Equal(RenewOutcome.Created, rig.Renew());
        // Peers may see the new lease only Δ later, and a peer that held our addresses needs W to let go.
        Assert.Equal(ElectorState.Starting, rig.Elector.State);
        rig.Clock.Advance(Timing.JoinHoldOff - Tick);
        Assert.False(rig.Elector.MayAnnounce);
        rig.Clock.Advance(Tick);
        var lease = rig.Lease;
        Assert.Equal("node1", lease.HolderIdentity);
        Assert.Equal(5, lease.LeaseDurationSeconds);
        Assert.Equal(rig.Clock.GetUtcNow() - Timing.JoinHoldOff, lease.RenewTime);
        Assert.Equal("192.168.1.0/24", lease.Annotation(LeaseContract.SubnetsAnnotation));
        Assert.Equal("pod-1", lease.Annotation(LeaseContract.InstanceAnnotation));
        Assert.Equal("lbnodeagent", lease.Labels[LeaseContract.ComponentLabel]);
        Assert.Equal(new LeaseOwnerNode("node1", "node-uid-1"), lease.OwnerNode);
        Assert.Equal(ElectorState.Healthy, rig.Elector.State);
        Assert.True(rig.Elector.MayAnnounce);
        Assert.Equal(Timing.FenceAfter - Timing.JoinHoldOff, rig.Elector.TimeUntilFence);
    }

    [Fact]
    public void Health_reports_readiness_and_a_fence_that_did_not_run()
    {
        using var rig = new Rig();
        Assert.Equal((true, false, ElectorState.Starting), Tuple(rig.Elector.Health()));
        rig.Renew();
        rig.Clock.Advance(Timing.JoinHoldOff);
        Assert.Equal((true, true, ElectorState.Healthy), Tuple(rig.Elector.Health()));
        rig.Store.FailWith = LeaseStoreError.Unavailable;
        rig.Renew();
        var h = rig.Elector.Health();
        Assert.True(h.Ready);
        rig.Clock.Advance(Timing.FenceAfter);
        Assert.Equal((true, false, ElectorState.Fenced), Tuple(rig.Elector.Health()));
        Assert.Contains("Fenced", rig.Elector.Health().Reason);
    }

    private static (bool, bool, ElectorState) Tuple(ElectorHealth h) => (h.Live, h.Ready, h.State);

    [Fact]
    public void Renewals_update_with_the_cached_version_and_pick_up_new_subnets()
    {
        using var rig = new Rig();
        rig.Renew();
        rig.Clock.Advance(S(2));
        rig.Subnets = "10.0.0.0/24,192.168.1.0/24";
        Assert.Equal(RenewOutcome.Renewed, rig.Renew());
        Assert.Equal(["get", "create", "update"], rig.Store.Calls); // no GET before each renewal
        Assert.Equal(rig.Clock.GetUtcNow(), rig.Lease.RenewTime);
        Assert.Equal("10.0.0.0/24,192.168.1.0/24", rig.Lease.Annotation(LeaseContract.SubnetsAnnotation));
        Assert.Equal(2, rig.Elector.RenewalsTotal);
    }

    [Fact]
    public void Existing_lease_is_taken_over_and_its_stale_fields_rewritten()
    {
        using var rig = new Rig();
        rig.Store.Put(new LeaseRecord("purelb-node-node1", "someone", DateTimeOffset.UnixEpoch, 30,
            new Dictionary<string, string> { [LeaseContract.InstanceAnnotation] = "old-pod", ["keep"] = "me" },
            new Dictionary<string, string>(), null, null));
        Assert.Equal(RenewOutcome.Renewed, rig.Renew());
        var lease = rig.Lease;
        Assert.Equal(5, lease.LeaseDurationSeconds); // upstream left 30 here
        Assert.Equal("node1", lease.HolderIdentity);
        Assert.Equal("pod-1", lease.Annotation(LeaseContract.InstanceAnnotation));
        Assert.Equal("me", lease.Annotation("keep"));
        Assert.Equal("purelb", lease.Labels[LeaseContract.NameLabel]);
    }

    [Fact]
    public void Conflict_rereads_and_writes_over_keeping_foreign_annotations()
    {
        using var rig = new Rig();
        rig.Renew();
        rig.Store.Put(rig.Lease with { Annotations = new Dictionary<string, string>(rig.Lease.Annotations) { ["note"] = "x" } });
        rig.Clock.Advance(S(2));
        Assert.Equal(RenewOutcome.Renewed, rig.Renew());
        Assert.Equal("x", rig.Lease.Annotation("note"));
        Assert.Equal(rig.Clock.GetUtcNow(), rig.Lease.RenewTime);
    }

    [Fact]
    public void A_lease_deleted_behind_our_back_is_recreated()
    {
        using var rig = new Rig();
        rig.Renew();
        rig.Store.DeleteBehindBack("purelb-node-node1");
        rig.Clock.Advance(S(2));
        Assert.Equal(RenewOutcome.Created, rig.Renew());
        Assert.NotNull(rig.Lease);
        Assert.Equal(ElectorState.Healthy, rig.Elector.State);
    }

    [Fact]
    public void Seeing_our_lease_deleted_fences_at_once_until_recreated()
    {
        using var rig = new Rig();
        rig.Renew();
        rig.Clock.Advance(S(1));
        rig.Store.DeleteBehindBack("purelb-node-node1");
        rig.Elector.OnOwnLeaseDeleted();
        Assert.Equal(ElectorState.Fenced, rig.Elector.State);
        Assert.False(rig.Elector.MayAnnounce);
        Assert.Equal((S(1), ElectorState.Fenced), rig.States[^1]);

        Assert.Equal(RenewOutcome.Created, rig.Renew());
        Assert.Equal(ElectorState.Fenced, rig.Elector.State); // until peers have seen it again
        rig.Clock.Advance(Timing.JoinHoldOff);
        Assert.Equal(ElectorState.Healthy, rig.Elector.State);
    }

    [Fact]
    public void Failing_renewals_fence_exactly_at_the_deadline_and_recovery_unfences()
    {
        using var rig = new Rig();
        rig.Renew();                     // confirmed at 0
        rig.Clock.Advance(S(2));
        rig.Renew();                     // confirmed at 2 → fence at 6.65
        rig.Store.FailWith = LeaseStoreError.Unavailable;
        for (double t = 4; t < 6.6; t += 0.5)
        {
            rig.Clock.Advance(S(t) - rig.Clock.Local);
            Assert.Equal(RenewOutcome.Failed, rig.Renew());
            Assert.True(rig.Elector.MayAnnounce);
        }
        Assert.Equal(6, rig.Elector.ConsecutiveFailures);
        rig.Clock.Advance(S(6.65) - rig.Clock.Local - TimeSpan.FromTicks(1));
        Assert.Equal(ElectorState.Healthy, rig.Elector.State);
        rig.Clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(ElectorState.Fenced, rig.Elector.State);
        Assert.Equal((S(6.65), ElectorState.Fenced), rig.States[^1]);
        Assert.False(rig.Elector.MayAnnounce);

        rig.Store.FailWith = null;
        rig.Clock.Advance(S(3));
        Assert.Equal(RenewOutcome.Renewed, rig.Renew());
        Assert.Equal(ElectorState.Fenced, rig.Elector.State);
        rig.Clock.Advance(Timing.JoinHoldOff);
        Assert.Equal(ElectorState.Healthy, rig.Elector.State);
        Assert.Equal(0, rig.Elector.ConsecutiveFailures);
    }

    [Fact]
    public void A_hanging_api_call_cannot_delay_fencing()
    {
        using var rig = new Rig();
        rig.Renew();                                   // confirmed start 0 → deadline 4.65
        rig.Clock.Advance(S(3));
        rig.Store.Hang = true;
        var attempt = rig.Elector.TryRenewAsync(CancellationToken.None); // a retry at 3 s; times out at 5 s
        Assert.False(attempt.IsCompleted);
        rig.Clock.Advance(S(4.65) - rig.Clock.Local - Tick);
        Assert.Equal(ElectorState.Healthy, rig.Elector.State);
        rig.Clock.Advance(Tick);
        Assert.Equal(ElectorState.Fenced, rig.Elector.State);
        Assert.False(attempt.IsCompleted);
        rig.Clock.Advance(S(5) - rig.Clock.Local);
        Assert.True(attempt.IsCompleted);
        Assert.Equal(RenewOutcome.Failed, attempt.Result);
        Assert.Contains("timed out", rig.Elector.LastError);
    }

    [Fact]
    public void A_write_acknowledged_after_its_own_deadline_proves_nothing()
    {
        using var rig = new Rig();
        rig.Renew();
        rig.Clock.Advance(S(1));
        var hold = new TaskCompletionSource();
        rig.Store.HoldNext = hold;
        var attempt = rig.Elector.TryRenewAsync(CancellationToken.None); // starts at 1 s: its own deadline is 5.65
        rig.Clock.Advance(S(4.65));
        Assert.Equal(ElectorState.Fenced, rig.Elector.State);
        hold.SetResult();                                                   // acknowledged at 5.65
        Assert.True(attempt.IsCompleted);
        Assert.Equal(RenewOutcome.TooLate, attempt.Result);
        rig.Clock.Advance(S(5));
        Assert.Equal(ElectorState.Fenced, rig.Elector.State);
    }

    [Theory]
    [InlineData(4.1, false)] // 4.1 + Δ ≤ 4.65: peers see it before the old deadline: seamless
    [InlineData(4.4, true)]  // 4.4 + Δ > 4.65: fence at 4.65, healthy again at 4.4 + Δ + W
    public void A_late_acknowledgement_takes_effect_only_once_peers_have_seen_it(double ackAt, bool fencesInBetween)
    {
        using var rig = new Rig();
        rig.Renew();                                                        // deadline 4.65
        rig.Clock.Advance(S(2));
        var hold = new TaskCompletionSource();
        rig.Store.HoldNext = hold;
        var attempt = rig.Elector.TryRenewAsync(CancellationToken.None); // starts at 2: deadline 6.65 once effective
        rig.Clock.Advance(S(ackAt) - rig.Clock.Local);
        hold.SetResult();
        Assert.Equal(RenewOutcome.Renewed, attempt.Result);
        rig.States.Clear();
        rig.Clock.Advance(S(6.65) - rig.Clock.Local - Tick);
        var expected = fencesInBetween
            ? new[] { (S(4.65), ElectorState.Fenced), (S(ackAt) + Timing.JoinHoldOff, ElectorState.Healthy) }
            : [];
        Assert.Equal(expected, rig.States);
        Assert.True(rig.Elector.MayAnnounce);
        rig.Clock.Advance(Tick);
        Assert.False(rig.Elector.MayAnnounce);
    }

    [Fact]
    public void A_lost_acknowledgement_does_not_extend_the_deadline()
    {
        using var rig = new Rig();
        rig.Renew();
        rig.Clock.Advance(S(2));
        rig.Store.LoseAcks = true;
        Assert.Equal(RenewOutcome.Failed, rig.Renew());       // applied on the server, not confirmed to us
        Assert.Equal(rig.Clock.GetUtcNow(), rig.Lease.RenewTime);
        Assert.Equal(Timing.FenceAfter - S(2), rig.Elector.TimeUntilFence); // still from the start at 0
    }

    [Fact]
    public async Task Shutdown_withdraws_first_then_deletes_the_lease()
    {
        using var rig = new Rig();
        rig.Renew();
        bool leaseExistedDuringWithdraw = false;
        ElectorState stateDuringWithdraw = ElectorState.Starting;
        var report = await rig.Elector.ShutdownAsync(_ =>
        {
            leaseExistedDuringWithdraw = rig.Store.Peek("purelb-node-node1") is not null;
            stateDuringWithdraw = rig.Elector.State;
            Assert.False(rig.Elector.MayAnnounce);
            return Task.CompletedTask;
        }, CancellationToken.None);

        Assert.True(leaseExistedDuringWithdraw);
        Assert.Equal(ElectorState.Stopping, stateDuringWithdraw);
        Assert.Equal(new ShutdownReport(true, LeaseDeletion.Deleted, null), report);
        Assert.Null(rig.Store.Peek("purelb-node-node1"));
        Assert.Equal(ElectorState.Stopped, rig.Elector.State);
        Assert.Equal(RenewOutcome.Skipped, rig.Renew()); // no resurrection after deletion
        Assert.Null(rig.Store.Peek("purelb-node-node1"));
    }

    [Fact]
    public async Task Shutdown_gives_a_slow_delete_longer_than_a_renewal_but_no_longer_than_the_lease()
    {
        using var rig = new Rig();
        rig.Renew();
        var hold = new TaskCompletionSource();
        rig.Store.HoldNext = hold; // the read before the delete answers late
        var shutdown = rig.Elector.ShutdownAsync(_ => Task.CompletedTask, CancellationToken.None);
        rig.Clock.Advance(Timing.RequestTimeout + S(0.1));
        hold.SetResult();
        var report = await shutdown.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(LeaseDeletion.Deleted, report.Deletion);
        Assert.Null(rig.Store.Peek("purelb-node-node1"));

        using var stuck = new Rig();
        stuck.Renew();
        stuck.Store.Hang = true;
        var hung = stuck.Elector.ShutdownAsync(_ => Task.CompletedTask, CancellationToken.None);
        stuck.Clock.Advance(Timing.LeaseDuration - S(0.1));
        await Task.Delay(50);
        Assert.False(hung.IsCompleted, "gave up before the lease duration");
        stuck.Clock.Advance(S(0.2));
        var failed = await hung.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(LeaseDeletion.Failed, failed.Deletion);
        Assert.Equal(ElectorState.Stopped, stuck.Elector.State);
    }

    [Fact]
    public async Task Shutdown_leaves_a_lease_owned_by_our_replacement()
    {
        using var rig = new Rig();
        rig.Renew();
        rig.Store.Put(rig.Lease with { Annotations = new Dictionary<string, string> { [LeaseContract.InstanceAnnotation] = "pod-2" } });
        var report = await rig.Elector.ShutdownAsync(_ => Task.CompletedTask, CancellationToken.None);
        Assert.Equal(LeaseDeletion.NotOurs, report.Deletion);
        Assert.NotNull(rig.Store.Peek("purelb-node-node1"));
    }

    [Fact]
    public async Task Shutdown_still_deletes_when_withdrawal_fails_and_reports_it()
    {
        using var rig = new Rig();
        rig.Renew();
        var report = await rig.Elector.ShutdownAsync(_ => throw new InvalidOperationException("netlink down"), CancellationToken.None);
        Assert.False(report.Withdrawn);
        Assert.Equal(LeaseDeletion.Deleted, report.Deletion);
        Assert.Equal("netlink down", report.Error);
    }

    [Fact]
    public async Task Run_loop_renews_every_period_and_retries_sooner_after_failure()
    {
        using var rig = new Rig();
        using var cts = new CancellationTokenSource();
        var run = rig.Elector.RunAsync(cts.Token);
        for (int i = 0; i < 40; i++) await Step(rig, S(0.25)); // 10 s
        int writes = rig.Store.Calls.Count(c => c is "create" or "update");
        Assert.InRange(writes, 5, 6);                           // at 0, 2, 4, 6, 8, (10)

        rig.Store.FailWith = LeaseStoreError.Unavailable;
        int before = rig.Store.Calls.Count;
        // Next renewal is due at 12 s; from then on failures are retried every 0.5 s: 12, 12.5, 13, 13.5, 14.
        // Without the shorter retry there would be two attempts (12, 14).
        for (int i = 0; i < 16; i++) await Step(rig, S(0.25));
        Assert.InRange(rig.Store.Calls.Count - before, 4, 5);
        cts.Cancel();
        await run; // cancellation ends the loop quietly
    }

    [Fact]
    public async Task Run_loop_recreates_at_once_after_our_lease_is_seen_deleted()
    {
        using var rig = new Rig();
        using var cts = new CancellationTokenSource();
        var run = rig.Elector.RunAsync(cts.Token);
        await Step(rig, S(1));
        rig.Store.DeleteBehindBack("purelb-node-node1");
        rig.Elector.OnOwnLeaseDeleted();
        await Step(rig, TimeSpan.Zero);
        await WaitUntil(() => rig.Store.Peek("purelb-node-node1") is not null);
        Assert.Equal(S(1), rig.Clock.Local); // not at the next 2 s period
        Assert.Equal(ElectorState.Fenced, rig.Elector.State);
        await Step(rig, Timing.JoinHoldOff);
        Assert.Equal(ElectorState.Healthy, rig.Elector.State);
        cts.Cancel();
        await run; // cancellation ends the loop quietly
    }

    [Fact]
    public async Task Renew_soon_writes_new_subnets_without_waiting_for_the_period()
    {
        using var rig = new Rig();
        using var cts = new CancellationTokenSource();
        var run = rig.Elector.RunAsync(cts.Token);
        await Step(rig, S(0.5));
        rig.Subnets = "10.0.0.0/24";
        rig.Elector.RenewSoon();
        await Step(rig, TimeSpan.Zero);
        await WaitUntil(() => rig.Lease.Annotation(LeaseContract.SubnetsAnnotation) == "10.0.0.0/24");
        Assert.Equal(S(0.5), rig.Clock.Local);
        cts.Cancel();
        await run;
    }

    private static async Task Step(Rig rig, TimeSpan delta)
    {
        using (new NoSyncContext()) rig.Clock.Advance(delta);
        // Let continuations that hopped threads catch up before time moves again.
        for (int i = 0; i < 5; i++) await Task.Yield();
        await Task.Delay(1);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++) await Task.Delay(5);
        Assert.True(condition());
    }
}
