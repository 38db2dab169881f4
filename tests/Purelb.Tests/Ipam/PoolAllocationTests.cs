using Purelb.Ipam;
using Xunit;
using static Purelb.Tests.Ipam.Fx;

namespace Purelb.Tests.Ipam;

/// <summary>Ports of upstream localpool_test.go (allocator.md §4.4–§4.7, §7.2), through the ledger.</summary>
public class PoolAllocationTests
{
    [Fact]
    public void Empty_configuration_has_no_size_and_every_allocation_fails()
    {
        var ledger = new IpamLedger();
        Assert.Empty(ledger.Usage());
        ledger.Allocate("a/s").Fails(AllocationError.NoGroup, "unknown pool \"default\"");
        ledger.Allocate("a/s", families: V6).Fails(AllocationError.NoGroup);
        ledger.Allocate("a/s", pins: ["10.0.0.1"]).Fails(AllocationError.PinnedAddressNotInPool, "\"10.0.0.1\" does not belong to any group");
    }

    [Fact]
    public void Single_address_ranges_allocate_their_address_and_v6_is_chosen_without_families()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.1/32")], v6: [P("2001:db8::1/128")]));
        ledger.Allocate("a/none").Ok("2001:db8::1");
        ledger.Allocate("a/none2").Ok("10.0.0.1");
        ledger.Allocate("a/none3").Fails(AllocationError.PoolExhausted);
        var v4only = Ledger(Local("default", v4: [P("10.0.0.1/32")]));
        v4only.Allocate("a/v4", families: V4).Ok("10.0.0.1");
        var v6only = Ledger(Local("default", v6: [P("2001:db8::1/128")]));
        v6only.Allocate("a/v6", families: V6).Ok("2001:db8::1");
    }

    [Fact]
    public void Skip_dad_is_reflected_and_remote_pools_never_skip()
    {
        var ledger = Ledger(Local("l", v6: [P("2001:db8::/120")], skipDad: true), Remote("r", v6: [P("2001:db8:1::/120")]));
        var l = ledger.Allocate("a/l", group: "l", families: V6);
        Assert.True(l.SkipIPv6Dad);
        Assert.Equal("local", l.PoolType);
        var r = ledger.Allocate("a/r", group: "r", families: V6);
        Assert.False(r.SkipIPv6Dad);
        Assert.Equal("remote", r.PoolType);
        Assert.Equal("r", r.AllocatedFrom);
    }

    [Fact]
    public void Remote_multi_pool_ignores_active_subnets()
    {
        var ledger = Ledger(Remote("default", v4: [P("10.0.1.0/30"), P("10.0.2.0/30")], multi: true));
        ledger.Allocate("a/s", active: Subnets()).Ok("10.0.1.0", "10.0.2.0");
        ledger.Allocate("a/t").Ok("10.0.1.1", "10.0.2.1");
    }

    [Fact]
    public void Local_multi_pool_allocates_only_in_active_subnets()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.1.0/30", "10.0.1.0/24"), P("10.0.2.0/30", "10.0.2.0/24")], multi: true));
        ledger.Allocate("a/s", active: Subnets("10.0.2.0/24")).Ok("10.0.2.0");
        ledger.Allocate("a/t").Fails(AllocationError.MultiPoolNotConfigured, "requires ActiveSubnets");
    }

    [Fact]
    public void Allocation_follows_declared_range_order_across_ranges_per_family()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.2.0/31"), P("10.0.1.0/31")], v6: [P("2001:db8:2::/127"), P("2001:db8:1::/127")]));
        string[] v4 = ["10.0.2.0", "10.0.2.1", "10.0.1.0", "10.0.1.1"];
        string[] v6 = ["2001:db8:2::", "2001:db8:2::1", "2001:db8:1::", "2001:db8:1::1"];
        for (int i = 0; i < 4; i++)
        {
            ledger.Allocate($"a/v4-{i}", families: V4).Ok(v4[i]);
            ledger.Allocate($"a/v6-{i}", families: V6).Ok(v6[i]);
        }
        ledger.Allocate("a/v4-x", families: V4).Fails(AllocationError.PoolExhausted, "pool \"default\" exhausted: no available addresses for a/v4-x");
        ledger.Allocate("a/v6-x", families: V6).Fails(AllocationError.PoolExhausted);
    }

    [Fact]
    public void An_adopted_address_is_skipped()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/30")]));
        Assert.True(ledger.AssignChecked(new ExistingAllocation("a/old", "a", ["10.0.0.0"])).Succeeded);
        ledger.Allocate("a/new", families: V4).Ok("10.0.0.1");
    }

    [Fact]
    public void In_use_counts_distinct_addresses_and_out_of_pool_addresses_are_not_counted()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/30")]));
        ledger.Allocate("a/one", pins: ["10.0.0.0"], sharing: "k", ports: Ports("tcp/80"));
        ledger.Allocate("a/two", pins: ["10.0.0.0"], sharing: "k", ports: Ports("tcp/81"));
        Assert.Equal((UInt128)1, ledger.Use("default").UsedV4);
        ledger.Allocate("a/three", families: V4).Ok("10.0.0.1");
        Assert.Equal((UInt128)2, ledger.Use("default").UsedV4);
        ledger.Release("a/one");
        Assert.Equal((UInt128)2, ledger.Use("default").UsedV4);
        ledger.Release("a/two");
        Assert.Equal((UInt128)1, ledger.Use("default").UsedV4);
        var outside = ledger.AssignChecked(new ExistingAllocation("a/out", "a", ["192.0.2.1"]));
        Assert.True(outside.Succeeded);
        Assert.Contains(outside.Warnings, w => w.Kind == AllocationWarningKind.AddressOutsidePools);
        Assert.Equal((UInt128)1, ledger.Use("default").UsedV4);
        Assert.True(ledger.IsHeld(IpAddr.Parse("192.0.2.1")));
    }

    [Fact]
    public void Holders_are_maintained_across_release()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/30")]));
        var a = IpAddr.Parse("10.0.0.0");
        ledger.Allocate("a/one", pins: ["10.0.0.0"], sharing: "k", ports: Ports("tcp/80"));
        ledger.Allocate("a/two", pins: ["10.0.0.0"], sharing: "k", ports: Ports("tcp/81"));
        Assert.Equal(["a/one", "a/two"], ledger.ServicesOn(a));
        ledger.Release("a/one");
        Assert.Equal(["a/two"], ledger.ServicesOn(a));
        ledger.Release("a/two");
        Assert.Empty(ledger.ServicesOn(a));
    }

    [Fact]
    public void Sharing_gives_identical_pairs_refuses_port_clashes_and_cleans_up()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/30")], v6: [P("2001:db8::/126")]));
        var one = ledger.Allocate("a/one", families: Dual6, sharing: "k", ports: Ports("tcp/80"));
        var two = ledger.Allocate("a/two", families: Dual6, sharing: "k", ports: Ports("tcp/81"));
        one.Ok("2001:db8::", "10.0.0.0");
        Assert.Equal(one.Texts(), two.Texts());
        Assert.Equal("k", ledger.AllocationOf("a/two")!.SharingKey);
        ledger.Release("a/one");
        ledger.Allocate("a/three", families: Dual6, sharing: "k", ports: Ports("tcp/81"))
            .Fails(AllocationError.PortConflict, "port TCP/81 on \"2001:db8::\" is already in use by a/two");
        ledger.Release("a/two");
        Assert.False(ledger.IsHeld(IpAddr.Parse("10.0.0.0")));
        Assert.DoesNotContain("bind[", ledger.DumpState());
        ledger.Allocate("a/four", families: V4).Ok("10.0.0.0");
        Assert.Empty(ledger.Release("a/unknown").Released);
    }

    [Fact]
    public void Availability_rules_for_a_given_address()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/30")]));
        ledger.Allocate("a/holder", pins: ["10.0.0.0"], sharing: "k", ports: Ports("tcp/80")).Ok("10.0.0.0");
        // The same Service is always fine, whatever its key.
        ledger.Allocate("a/holder", pins: ["10.0.0.0"], sharing: "other").Ok("10.0.0.0");
        ledger.Release("a/holder");
        ledger.Allocate("a/holder", pins: ["10.0.0.0"], sharing: "k", ports: Ports("tcp/80")).Ok("10.0.0.0");
        ledger.Allocate("a/nokey", pins: ["10.0.0.0"]).Fails(AllocationError.PinnedAddressTaken, "already in use by a/holder");
        ledger.Allocate("a/sameport", pins: ["10.0.0.0"], sharing: "k", ports: Ports("tcp/80")).Fails(AllocationError.PortConflict);
        ledger.Allocate("a/otherkey", pins: ["10.0.0.0"], sharing: "x", ports: Ports("tcp/90")).Fails(AllocationError.SharingConflict);
        ledger.Allocate("a/udp", pins: ["10.0.0.0"], sharing: "k", ports: Ports("udp/80")).Ok("10.0.0.0");
    }

    [Fact]
    public void Assign_next_over_two_single_address_ranges()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/32"), P("10.0.0.1/32")]));
        ledger.Allocate("a/one", families: V4, sharing: "k", ports: Ports("tcp/80")).Ok("10.0.0.0");
        ledger.Allocate("a/two", families: V4).Ok("10.0.0.1");
        ledger.Allocate("a/three", families: V4, sharing: "k", ports: Ports("tcp/80")).Fails(AllocationError.PortConflict);
        ledger.Allocate("a/four", families: V4, sharing: "k", ports: Ports("tcp/81")).Ok("10.0.0.0");
    }

    [Fact]
    public void Pool_size_and_contains()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/31")], v6: [P("2001:db8::/128")]));
        Assert.Equal((UInt128)3, ledger.Use("default").Size);
        var pool = ledger.Config.Find("default")!;
        Assert.True(pool.Contains(IpAddr.Parse("10.0.0.1")));
        Assert.True(pool.Contains(IpAddr.Parse("2001:db8::")));
        Assert.False(pool.Contains(IpAddr.Parse("10.0.0.2")));
        Assert.False(pool.Contains(IpAddr.Parse("2001:db8::1")));
    }

    [Fact]
    public void Family_order_follows_ip_families()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/30")], v6: [P("2001:db8::/126")]));
        ledger.Allocate("a/64", families: Dual6).Ok("2001:db8::", "10.0.0.0");
        ledger.Allocate("a/46", families: Dual).Ok("10.0.0.1", "2001:db8::1");
        ledger.Allocate("a/dup", families: [IpFamily.IPv4, IpFamily.IPv4]).Ok("10.0.0.2");
    }

    [Fact]
    public void Sharing_key_port_conflict_is_reported_even_with_free_addresses()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/29")]));
        ledger.Allocate("a/one", families: V4, sharing: "k", ports: Ports("tcp/80")).Ok("10.0.0.0");
        var r = ledger.Allocate("a/two", families: V4, sharing: "k", ports: Ports("tcp/80"));
        r.Fails(AllocationError.PortConflict, "port TCP/80");
        Assert.Contains("already in use", r.Message);
    }

    [Fact]
    public void Key_binding_is_removed_with_the_last_holder()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/30")]));
        ledger.Allocate("a/one", families: V4, sharing: "k").Ok("10.0.0.0");
        ledger.Allocate("a/two", families: V4).Ok("10.0.0.1");
        ledger.Release("a/one");
        ledger.Allocate("a/three", families: V4).Ok("10.0.0.0");
        // Had the binding survived, this would be refused as "bound to 10.0.0.0".
        ledger.Allocate("a/four", families: V4, sharing: "k").Ok("10.0.0.2");
    }

    [Fact]
    public void Key_binding_prevents_other_addresses()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/30")]));
        ledger.Allocate("a/one", families: V4, sharing: "k", ports: Ports("tcp/80")).Ok("10.0.0.0");
        var r = ledger.Allocate("a/two", families: V4, sharing: "k", ports: Ports("tcp/80"));
        r.Fails(AllocationError.PortConflict);
        Assert.DoesNotContain("exhausted", r.Message);
        ledger.Allocate("a/pin", pins: ["10.0.0.1"], sharing: "k", ports: Ports("tcp/99"))
            .Fails(AllocationError.SharingConflict, "sharing key \"k\" is bound to 10.0.0.0, cannot use 10.0.0.1");
    }

    [Fact]
    public void Different_sharing_keys_get_different_addresses()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/30")]));
        ledger.Allocate("a/one", families: V4, sharing: "a").Ok("10.0.0.0");
        ledger.Allocate("a/two", families: V4, sharing: "b").Ok("10.0.0.1");
        ledger.Allocate("a/three", families: V4, sharing: "a", ports: Ports("tcp/1")).Ok("10.0.0.0");
    }

    [Fact]
    public void Multi_pool_flag_is_reflected()
    {
        var c = Config(Local("m", v4: [P("10.0.0.0/30")], multi: true), Local("s", v4: [P("10.0.1.0/30")]));
        Assert.True(c.Find("m")!.MultiPool);
        Assert.False(c.Find("s")!.MultiPool);
    }

    private static ServiceGroupConfig PerRange(bool remote = false) => remote
        ? Remote("default", v4: [P("192.168.1.0/31", "192.168.1.0/24"), P("192.168.2.0/31", "192.168.2.0/24")], multi: true)
        : Local("default",
            v4: [P("192.168.1.0/31", "192.168.1.0/24"), P("192.168.2.1/32", "192.168.2.0/24")],
            v6: [P("2001:db8:1::/127", "2001:db8:1::/64"), P("2001:db8:2::/127", "2001:db8:2::/64")], multi: true);

    [Fact]
    public void Per_range_allocation_table()
    {
        var both = Subnets("192.168.1.0/24", "192.168.2.0/24");
        var ledger = Ledger(PerRange());
        ledger.Allocate("a/both", families: V4, active: both).Ok("192.168.1.0", "192.168.2.1");
        ledger.Allocate("a/one", families: V4, active: Subnets("192.168.1.0/24")).Ok("192.168.1.1");
        ledger.Allocate("a/none", families: V4, active: Subnets("10.0.0.0/8"))
            .Fails(AllocationError.NoActiveRanges, "no IPs allocated for service a/none: 2 ranges skipped (no active nodes)");
        // 192.168.2.1 is full now: a partial result from the remaining active range is still a success.
        ledger.Release("a/one");
        var partial = ledger.Allocate("a/partial", families: V4, active: both);
        partial.Ok("192.168.1.1");
        Assert.Contains(partial.Warnings, w => w.Kind == AllocationWarningKind.MultiPoolPartial);

        var dual = Ledger(PerRange());
        dual.Allocate("a/dual", families: Dual, active: Subnets("192.168.1.0/24", "192.168.2.0/24", "2001:db8:1::/64", "2001:db8:2::/64"))
            .Ok("192.168.1.0", "192.168.2.1", "2001:db8:1::", "2001:db8:2::");

        var keep = Ledger(PerRange());
        keep.Allocate("a/grow", families: V4, active: Subnets("192.168.2.0/24")).Ok("192.168.2.1");
        var grown = keep.Allocate("a/grow", families: V4, active: both);
        grown.Ok("192.168.2.1", "192.168.1.0");
        Assert.Equal(["192.168.1.0"], grown.Added.Select(a => a.ToString()));
    }

    private static ServiceGroupConfig Balanced(bool balance = true) =>
        Local("default", v4: [P("10.0.1.0-10.0.1.2", "10.0.1.0/24"), P("10.0.2.0-10.0.2.2", "10.0.2.0/24")],
            v6: [P("2001:db8:1::/127"), P("2001:db8:2::/127")], balance: balance);

    [Fact]
    public void Balance_pools_spreads_evenly()
    {
        var ledger = Ledger(Balanced());
        var got = Enumerable.Range(0, 4).Select(i => ledger.Allocate($"a/s{i}", families: V4).Texts()[0]).ToArray();
        Assert.Equal(["10.0.1.0", "10.0.2.0", "10.0.1.1", "10.0.2.1"], got);
        Assert.Equal(2, got.Count(a => a.StartsWith("10.0.1.")));
    }

    [Fact]
    public void Balance_pools_exhaustion()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.1.0/32"), P("10.0.2.0-10.0.2.4", "10.0.2.0/24")], balance: true));
        for (int i = 0; i < 6; i++) Assert.True(ledger.Allocate($"a/s{i}", families: V4).Succeeded);
        ledger.Allocate("a/s6", families: V4)
            .Fails(AllocationError.PoolExhausted, "no available addresses for service a/s6 in family 2 (balancePools, all ranges exhausted)");
    }

    [Fact]
    public void Balance_pools_ipv6_and_dual_stack_balance_each_family()
    {
        var ledger = Ledger(Balanced());
        var v6 = Enumerable.Range(0, 4).Select(i => ledger.Allocate($"a/v6-{i}", families: V6).Texts()[0]).ToArray();
        Assert.Equal(["2001:db8:1::", "2001:db8:2::", "2001:db8:1::1", "2001:db8:2::1"], v6);
        var dual = Ledger(Balanced());
        dual.Allocate("a/d0", families: Dual).Ok("10.0.1.0", "2001:db8:1::");
        dual.Allocate("a/d1", families: Dual).Ok("10.0.2.0", "2001:db8:2::");
    }

    [Fact]
    public void Without_balance_the_first_range_fills_first()
    {
        var ledger = Ledger(Balanced(balance: false));
        var got = Enumerable.Range(0, 4).Select(i => ledger.Allocate($"a/s{i}", families: V4).Texts()[0]).ToArray();
        Assert.Equal(["10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.2.0"], got);
    }

    [Fact]
    public void Balance_after_release_returns_to_the_emptier_range()
    {
        var ledger = Ledger(Balanced());
        for (int i = 0; i < 4; i++) ledger.Allocate($"a/s{i}", families: V4);
        ledger.Release("a/s0");
        ledger.Release("a/s2");
        Assert.StartsWith("10.0.1.", ledger.Allocate("a/next", families: V4).Texts()[0]);
    }

    [Fact]
    public void Balance_is_bypassed_by_a_sharing_key()
    {
        var ledger = Ledger(Balanced());
        ledger.Allocate("a/plain", families: V4).Ok("10.0.1.0");
        ledger.Allocate("a/k1", families: V4, sharing: "k", ports: Ports("tcp/1")).Ok("10.0.1.1");
        ledger.Allocate("a/k2", families: V4, sharing: "k", ports: Ports("tcp/2")).Ok("10.0.1.1");
    }

    [Fact]
    public void Usage_is_per_family()
    {
        var ledger = Ledger(Balanced());
        ledger.Allocate("a/d", families: Dual);
        ledger.Allocate("a/v4", families: V4);
        var u = ledger.Use("default");
        Assert.Equal((UInt128)2, u.UsedV4);
        Assert.Equal((UInt128)1, u.UsedV6);
        Assert.Equal((UInt128)4, u.AvailableV4);
        Assert.Equal((UInt128)3, u.AvailableV6);
        Assert.DoesNotContain(':', IpAddr.Parse("::ffff:10.0.0.1").ToString());
        Assert.Contains(':', IpAddr.Parse("2001:db8::1").ToString());
    }
}
