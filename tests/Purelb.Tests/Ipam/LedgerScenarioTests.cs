using Purelb.Ipam;
using Xunit;
using static Purelb.Tests.Ipam.Fx;

namespace Purelb.Tests.Ipam;

/// <summary>
/// The allocation semantics of upstream controller_test.go, at the ledger level. Class filtering, type
/// changes, sync gating and event writing belong to the allocator mode and are tested there.
/// </summary>
public class LedgerScenarioTests
{
    private static readonly IpNetwork[] Both = Subnets("10.0.1.0/24", "10.0.2.0/24");

    private static ServiceGroupConfig Multi(string name = "default", string range1 = "10.0.1.0/30", string range2 = "10.0.2.0/30") =>
        Local(name, v4: [P(range1, "10.0.1.0/24"), P(range2, "10.0.2.0/24")], multi: true);

    [Fact]
    public void Services_registering_the_same_single_port_share_one_array_and_others_keep_their_own()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/29")]));
        ledger.Allocate("ns/a", ports: Ports("tcp/80")).Ok("10.0.0.0");
        ledger.Allocate("ns/b", ports: Ports("tcp/80")).Ok("10.0.0.1");
        ledger.Allocate("ns/c", ports: Ports("tcp/443")).Ok("10.0.0.2");
        ledger.Allocate("ns/d", ports: Ports("tcp/80", "tcp/443")).Ok("10.0.0.3");
        var a = ledger.AllocationOf("ns/a")!.Ports;
        Assert.Same(a, ledger.AllocationOf("ns/b")!.Ports);
        Assert.NotSame(a, ledger.AllocationOf("ns/c")!.Ports);
        Assert.Equal(Ports("tcp/443"), ledger.AllocationOf("ns/c")!.Ports);
        Assert.Equal(Ports("tcp/80", "tcp/443"), ledger.AllocationOf("ns/d")!.Ports);
    }

    [Fact]
    public void Delete_recycles_the_address()
    {
        var ledger = Ledger(Local("default", v4: [P("1.2.3.0/32")]));
        ledger.Allocate("ns/svc1").Ok("1.2.3.0");
        ledger.Allocate("ns/svc2").Fails(AllocationError.PoolExhausted);
        Assert.True(ledger.Knows("ns/svc1"));
        Assert.False(ledger.Knows("ns/svc2"));
        ledger.Release("ns/svc1");
        Assert.False(ledger.Knows("ns/svc1"));
        ledger.Allocate("ns/svc2").Ok("1.2.3.0");
    }

    [Fact]
    public void Multi_pool_delete_recycles()
    {
        var ledger = Ledger(Multi(range1: "10.0.1.0/32", range2: "10.0.2.0/32"));
        ledger.Allocate("ns/svc1", active: Both).Ok("10.0.1.0", "10.0.2.0");
        ledger.Allocate("ns/svc2", active: Both).Fails(AllocationError.PoolExhausted);
        ledger.Release("ns/svc1");
        ledger.Allocate("ns/svc2", active: Both).Ok("10.0.1.0", "10.0.2.0");
    }

    [Fact]
    public void Repeated_syncs_of_a_multi_pool_service_never_change_it()
    {
        var ledger = Ledger(Multi());
        var first = ledger.Allocate("ns/a", active: Both);
        for (int i = 0; i < 5; i++)
        {
            var again = ledger.Allocate("ns/a", active: Both);
            Assert.False(again.Changed);
            Assert.Equal(first.Texts(), again.Texts());
        }
    }

    [Fact]
    public void Multi_pool_dual_stack_partial_and_override()
    {
        var dual = Ledger(Local("default",
            v4: [P("10.0.1.0/30", "10.0.1.0/24"), P("10.0.2.0/30", "10.0.2.0/24")],
            v6: [P("1000:1::/126", "1000:1::/64"), P("1000:2::/126", "1000:2::/64")], multi: true));
        var all = Subnets("10.0.1.0/24", "10.0.2.0/24", "1000:1::/64", "1000:2::/64");
        Assert.Equal(4, dual.Allocate("ns/d", families: Dual, active: all).Addresses.Count);
        Assert.Single(Ledger(Multi()).Allocate("ns/p", active: Subnets("10.0.2.0/24")).Addresses);
        Assert.Single(Ledger(Multi()).Allocate("ns/o", multi: false, active: Both).Addresses);
        Assert.Equal(2, Ledger(Multi("multi"), Local("default", v4: [P("10.9.0.0/30")])).Allocate("ns/m", group: "multi", multi: true, active: Both).Addresses.Count);
    }

    [Fact]
    public void Multi_pool_rejects_sharing_unknown_groups_and_leaves_others_alone()
    {
        var ledger = Ledger(Multi("multi"), Local("default", v4: [P("10.9.0.0/30")]));
        ledger.Allocate("ns/k", group: "multi", sharing: "k", active: Both).Fails(AllocationError.MultiPoolWithSharing);
        ledger.Allocate("ns/u", group: "nonexistent", active: Both).Fails(AllocationError.NoGroup);
        ledger.Allocate("ns/plain", active: Both).Ok("10.9.0.0");
    }

    [Fact]
    public void Multi_pool_services_get_disjoint_addresses()
    {
        var ledger = Ledger(Multi());
        var a = ledger.Allocate("ns/a", active: Both).Texts();
        var b = ledger.Allocate("ns/b", active: Both).Texts();
        Assert.Empty(a.Intersect(b));
        Assert.Equal(2, b.Length);
    }

    [Fact]
    public void Reapplying_config_and_resyncing_keeps_multi_pool_addresses()
    {
        var ledger = Ledger(Multi());
        var before = ledger.Allocate("ns/a", active: Both).Texts();
        ledger.SetConfig(Config(Multi()));
        Assert.Equal(before, ledger.Allocate("ns/a", active: Both).Texts());
    }

    [Fact]
    public void Incremental_multi_pool_through_repeated_syncs()
    {
        var ledger = Ledger(Local("default",
            v4: [P("10.0.1.0/30", "10.0.1.0/24"), P("10.0.2.0/30", "10.0.2.0/24"), P("10.0.3.0/30", "10.0.3.0/24")], multi: true));
        Assert.Equal(2, ledger.Allocate("ns/a", active: Both).Addresses.Count);
        Assert.Equal(2, ledger.Allocate("ns/a", active: Both).Addresses.Count);
        Assert.Equal(3, ledger.Allocate("ns/a", active: Subnets("10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24")).Addresses.Count);
    }

    [Fact]
    public void Restart_keeps_every_live_address_and_pending_services_do_not_steal_them()
    {
        var groups = new[] { Local("default", v4: [P("10.0.0.0/30")]) };
        var ledger = Ledger(groups);
        ledger.Allocate("ns/a").Ok("10.0.0.0");
        ledger.Allocate("ns/b").Ok("10.0.0.1");
        ledger.Release("ns/a");
        // A fresh process: adopt first (b holds .1), then the pending Services allocate.
        var restarted = new IpamLedger(Config(groups));
        restarted.Rebuild([new ExistingAllocation("ns/b", "ns", ["10.0.0.1"])]);
        restarted.Allocate("ns/c").Ok("10.0.0.0");
        restarted.Allocate("ns/d").Ok("10.0.0.2");
        Assert.Equal(["ns/b"], restarted.ServicesOn(IpAddr.Parse("10.0.0.1")));
    }

    [Fact]
    public void Rebuild_reports_duplicates_instead_of_recording_them()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/30")]));
        var report = ledger.Rebuild([
            new ExistingAllocation("ns/first", "ns", ["10.0.0.1"]),
            new ExistingAllocation("ns/dup", "ns", ["10.0.0.1", "10.0.0.2"]),
            new ExistingAllocation("ns/share1", "ns", ["10.0.0.3"], "k", Ports("tcp/80")),
            new ExistingAllocation("ns/share2", "ns", ["10.0.0.3"], "k", Ports("tcp/81")),
            new ExistingAllocation("ns/clash", "ns", ["10.0.0.3"], "k", Ports("tcp/80")),
            new ExistingAllocation("ns/garbage", "ns", ["x"]),
        ]);
        Assert.Equal(3, report.Adopted);
        Assert.Equal(["ns/dup", "ns/clash", "ns/garbage"], report.Failures.Select(f => f.Allocation.ServiceKey));
        Assert.Equal(AllocationError.PinnedAddressTaken, report.Failures[0].Result.Error);
        Assert.Equal(AllocationError.PortConflict, report.Failures[1].Result.Error);
        Assert.False(ledger.IsHeld(IpAddr.Parse("10.0.0.2")));
        Assert.Null(ledger.FindInvariantViolation());
    }

    [Fact]
    public void Assign_is_idempotent_and_replaces_a_changed_address_set()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/29")]));
        Assert.True(ledger.AssignChecked(new ExistingAllocation("ns/a", "ns", ["10.0.0.3"])).Changed);
        Assert.False(ledger.AssignChecked(new ExistingAllocation("ns/a", "ns", ["10.0.0.3"])).Changed);
        var moved = ledger.AssignChecked(new ExistingAllocation("ns/a", "ns", ["10.0.0.4"]));
        Assert.Equal(["10.0.0.3"], moved.Released.Select(a => a.ToString()));
        Assert.False(ledger.IsHeld(IpAddr.Parse("10.0.0.3")));
        Assert.Equal(AllocationError.InvalidRequest, ledger.AssignChecked(new ExistingAllocation("ns/a", "ns", [])).Error);
        Assert.Equal(AllocationError.InvalidRequest, ledger.Allocate(new AllocationRequest("", "ns")).Error);
    }

    [Fact]
    public void Assign_keeps_addresses_that_break_the_key_binding_rule()
    {
        // Upstream's Notify accepted these; refusing them would move a live Service's address.
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/29")]));
        ledger.Allocate("ns/a", families: V4, sharing: "k").Ok("10.0.0.0");
        Assert.True(ledger.AssignChecked(new ExistingAllocation("ns/b", "ns", ["10.0.0.5"], "k")).Succeeded);
        Assert.Equal(["ns/b"], ledger.ServicesOn(IpAddr.Parse("10.0.0.5")));
    }
}
