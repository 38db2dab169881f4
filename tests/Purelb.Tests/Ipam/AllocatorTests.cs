using Purelb.Ipam;
using Xunit;
using static Purelb.Tests.Ipam.Fx;

namespace Purelb.Tests.Ipam;

/// <summary>Ports of upstream allocator_test.go (allocator.md §7.2) at the ledger level.</summary>
public class AllocatorTests
{
    [Fact]
    public void Notify_existing_then_allocate_takes_the_next_address()
    {
        var ledger = Ledger(Local("default", v4: [P("192.168.1.2/31")]));
        Assert.True(ledger.AssignChecked(new ExistingAllocation("ns/svc1", "ns", ["192.168.1.2"])).Succeeded);
        ledger.Allocate("ns/svc2", families: V4).Ok("192.168.1.3");
    }

    /// <summary>One step of a pinned-address script: who asks for what, and whether it must fail.</summary>
    /// <param name="KeepsOld">The Service keeps its address but the new key/ports are refused (a warning, not an error).</param>
    public sealed record PinStep(string Desc, string Svc, string? Ip, string[] Ports, string? Key, AllocationError Want, bool KeepsOld = false);

    private static PinStep S(string desc, string svc, string? ip, string? key = null, AllocationError want = AllocationError.None,
        params string[] ports) => new(desc, svc, ip, ports, key, want);

    public static TheoryData<string, PinStep[]> AssignmentScripts() => new()
    {
        { "v4", Script("1.2.3.4", "1.2.3.5") },
        { "v6", Script("1000::4", "1000::5") },
    };

    private static PinStep[] Script(string a, string b) =>
    [
        S("s1 takes a", "s1", a),
        S("s1 re-pins a (idempotent)", "s1", a),
        S("s2 cannot steal a", "s2", a, want: AllocationError.PinnedAddressTaken),
        S("s2 takes b", "s2", b),
        S("s1 cannot take b", "s1", b, want: AllocationError.PinnedAddressTaken),
        S("s1 releases a", "s1", null),
        S("s2 releases b", "s2", null),
        S("s1 takes b now that it is free", "s1", b),
        S("s1 releases", "s1", null),
        S("s1 takes a with key", "s1", a, "key", AllocationError.None, "tcp/80"),
        S("s1 changes its key in place as sole holder", "s1", a, "key2", AllocationError.None, "tcp/80"),
        S("s1 back to key", "s1", a, "key", AllocationError.None, "tcp/80"),
        S("s2 shares with same key, disjoint ports", "s2", a, "key", AllocationError.None, "tcp/81"),
        S("s3 same key, clashing port", "s3", a, "key", AllocationError.PortConflict, "tcp/80"),
        S("s3 other key", "s3", a, "other", AllocationError.SharingConflict, "tcp/82"),
        S("s3 no key", "s3", a, null, AllocationError.PinnedAddressTaken, "tcp/82"),
        S("s2 changes its ports", "s2", a, "key", AllocationError.None, "tcp/82"),
        S("s3 takes the freed port 81", "s3", a, "key", AllocationError.None, "tcp/81"),
        S("s2 cannot change key while shared", "s2", a, "key3", AllocationError.None, "tcp/82") with { KeepsOld = true },
        S("s3 moves to the free b with a new key", "s3", b, "key3", AllocationError.None, "tcp/82"),
    ];

    [Theory]
    [MemberData(nameof(AssignmentScripts))]
    public void Assignment_script(string family, PinStep[] steps)
    {
        var ledger = Ledger(Local("v4", v4: [P("1.2.3.0/24")]), Local("v6", v6: [P("1000::/120")]));
        foreach (var step in steps)
        {
            if (step.Ip is null)
            {
                ledger.Release(step.Svc);
                Assert.Null(ledger.AllocationOf(step.Svc));
                continue;
            }
            // A pin on a Service that already holds an address is a re-pin: release it first, as a fresh request would.
            var before = ledger.AllocationOf(step.Svc);
            var saved = ledger.DumpState();
            if (before is not null && before.Addresses.Single().ToString() != step.Ip) ledger.Release(step.Svc);
            var r = ledger.Checked(Req(step.Svc, pins: [step.Ip], sharing: step.Key, ports: Ports(step.Ports)));
            Assert.True(step.Want == r.Error, $"{family}: {step.Desc}: {r}");
            if (step.KeepsOld)
            {
                Assert.True(r.Succeeded, r.ToString());
                Assert.Contains(r.Warnings, w => w.Kind == AllocationWarningKind.RegistrationNotUpdated);
                Assert.Equal(saved, ledger.DumpState());
                Assert.NotEqual(step.Key, ledger.AllocationOf(step.Svc)!.SharingKey);
            }
            else if (r.Succeeded)
            {
                Assert.Equal([step.Ip], r.Texts());
                Assert.Contains(step.Svc, ledger.ServicesOn(IpAddr.Parse(step.Ip)));
                Assert.Equal(step.Key, ledger.AllocationOf(step.Svc)!.SharingKey);
            }
            else if (before is not null)
            {
                // Restore what the manual release above removed, to keep the script's state.
                Assert.True(ledger.Allocate(step.Svc, pins: [before.Addresses.Single().ToString()], sharing: before.SharingKey,
                    ports: before.Ports.ToArray()).Succeeded);
            }
        }
    }

    [Fact]
    public void Pool_allocation_sequence_with_reuse_and_sharing()
    {
        var ledger = Ledger(Local("default", v4: [P("1.2.3.4/30")], v6: [P("1000::4/126")]));
        string[] v4 = ["1.2.3.4", "1.2.3.5", "1.2.3.6", "1.2.3.7"];
        string[] v6 = ["1000::4", "1000::5", "1000::6", "1000::7"];
        for (int i = 0; i < 4; i++)
        {
            ledger.Allocate($"ns/s{i}", families: V4).Ok(v4[i]);
            ledger.Allocate($"ns/t{i}", families: V6).Ok(v6[i]);
        }
        ledger.Allocate("ns/s4", families: V4).Fails(AllocationError.PoolExhausted);
        ledger.Allocate("ns/s5", families: V4).Fails(AllocationError.PoolExhausted);
        ledger.Release("ns/s1");
        ledger.Allocate("ns/s5", families: V4).Ok("1.2.3.5");
        ledger.Release("ns/s2");
        ledger.Allocate("ns/k1", families: V4, sharing: "k", ports: Ports("tcp/80")).Ok("1.2.3.6");
        ledger.Allocate("ns/k2", families: V4, sharing: "k", ports: Ports("tcp/81")).Ok("1.2.3.6");
        ledger.Allocate("ns/t4", families: V6).Fails(AllocationError.PoolExhausted);
    }

    [Fact]
    public void Allocate_pins_names_groups_and_needs_a_default()
    {
        var ledger = Ledger(Local("test", v6: [P("1000::4/126")]));
        var pinned = ledger.Allocate("ns/a", pins: ["1000::4"]);
        pinned.Ok("1000::4");
        Assert.Equal("test", pinned.AllocatedFrom);
        Assert.Equal(GroupProvenance.PinnedAddresses, pinned.Provenance);
        ledger.Allocate("ns/b", pins: ["1000::4"]).Fails(AllocationError.PinnedAddressTaken);
        ledger.Allocate("ns/c", group: "test").Ok("1000::5");
        ledger.Allocate("ns/d", group: "test").Ok("1000::6");
        ledger.Allocate("ns/e", group: "test").Ok("1000::7");
        ledger.Allocate("ns/f", group: "test").Fails(AllocationError.PoolExhausted);
        ledger.Allocate("ns/g").Fails(AllocationError.NoGroup, "unknown pool \"default\"");
        ledger.SetConfig(Config(Local("test", v6: [P("1000::4/126")]), Local("default", v4: [P("1.2.3.4/30")])));
        ledger.Allocate("ns/g").Ok("1.2.3.4");
    }

    [Fact]
    public void Pool_metrics_track_size_and_distinct_use()
    {
        var ledger = Ledger(Local("default", v4: [P("1.2.3.4/30")]));
        var changed = new List<string>();
        ledger.PoolChanged += changed.Add;
        Assert.Equal((UInt128)4, ledger.Use("default").Size);
        var used = new List<UInt128>();
        ledger.Allocate("ns/a", families: V4);
        used.Add(ledger.Use("default").Used);
        ledger.Allocate("ns/b", families: V4);
        used.Add(ledger.Use("default").Used);
        ledger.Release("ns/a");
        used.Add(ledger.Use("default").Used);
        ledger.Release("ns/b");
        used.Add(ledger.Use("default").Used);
        Assert.Equal([1, 2, 1, 0], used.Select(u => (int)u));
        Assert.Equal(4, changed.Count);
        for (int i = 0; i < 3; i++) ledger.Allocate($"ns/sh{i}", families: V4, sharing: "k", ports: Ports($"tcp/{80 + i}"));
        Assert.Equal((UInt128)1, ledger.Use("default").Used);
        ledger.Release("ns/sh0");
        ledger.Release("ns/sh1");
        Assert.Equal((UInt128)1, ledger.Use("default").Used);
        ledger.Release("ns/sh2");
        Assert.Equal((UInt128)0, ledger.Use("default").Used);
    }

    [Fact]
    public void Specific_address_must_be_in_a_pool()
    {
        var ledger = Ledger(Local("default", v4: [P("1.2.3.4/30")]));
        var r = ledger.Allocate("ns/a", group: "default", pins: ["5.6.7.8"]);
        r.Fails(AllocationError.PinnedAddressNotInPool, "\"5.6.7.8\" does not belong to any group");
        var ok = ledger.Allocate("ns/a", group: "default", pins: ["1.2.3.5"]);
        ok.Ok("1.2.3.5");
        Assert.Equal("default", ok.AllocatedFrom);
        Assert.Contains(ok.Warnings, w => w.Kind == AllocationWarningKind.GroupIgnoredForPinnedAddresses);
    }

    [Fact]
    public void Sharing_simple()
    {
        var ledger = Ledger(Local("default", v4: [P("1.2.3.4/31")]));
        ledger.Allocate("ns/a", families: V4, sharing: "A", ports: Ports("tcp/1")).Ok("1.2.3.4");
        ledger.Allocate("ns/b", families: V4, sharing: "B", ports: Ports("tcp/1")).Ok("1.2.3.5");
        ledger.Allocate("ns/c", families: V4, sharing: "A", ports: Ports("tcp/2")).Ok("1.2.3.4");
    }

    [Theory]
    [InlineData(null, null, null, PinnedAddressSource.None)]
    [InlineData(null, "1.2.3.4", "1.2.3.4", PinnedAddressSource.LoadBalancerIP)]
    [InlineData("5.6.7.8", "1.2.3.4", "5.6.7.8", PinnedAddressSource.Annotation)]
    [InlineData("5.6.7.8,1000::1", null, "5.6.7.8|1000::1", PinnedAddressSource.Annotation)]
    [InlineData("", null, "", PinnedAddressSource.Annotation)]
    [InlineData("5.6.7.8, 1.2.3.4", null, "5.6.7.8| 1.2.3.4", PinnedAddressSource.Annotation)]
    public void Service_addresses_come_from_the_annotation_or_the_field(string? annotation, string? field, string? expected, PinnedAddressSource source)
    {
        var (entries, from) = PinnedAddressParser.Split(annotation, field);
        Assert.Equal(source, from);
        Assert.Equal(expected, entries is null ? null : string.Join('|', entries));
    }

    [Fact]
    public void Pins_are_not_trimmed_and_empty_is_invalid()
    {
        var ledger = Ledger(Local("default", v4: [P("1.2.3.4/30")]));
        ledger.Allocate("ns/a", pins: [" 1.2.3.4"]).Fails(AllocationError.InvalidPinnedAddress, "invalid user-specified address: \" 1.2.3.4\"");
        ledger.Allocate("ns/a", pins: [""]).Fails(AllocationError.InvalidPinnedAddress);
        ledger.Allocate("ns/a", pins: ["1.2.3.4", "1.2.3.x"]).Fails(AllocationError.InvalidPinnedAddress);
    }

    [Fact]
    public void Multi_pool_flag_annotation_overrides_the_group()
    {
        var subnets = Subnets("10.0.1.0/24", "10.0.2.0/24");
        var multi = Local("default", v4: [P("10.0.1.0/30", "10.0.1.0/24"), P("10.0.2.0/30", "10.0.2.0/24")], multi: true);
        var single = Local("default", v4: [P("10.0.1.0/30", "10.0.1.0/24"), P("10.0.2.0/30", "10.0.2.0/24")]);
        Assert.Equal(2, Ledger(multi).Allocate("ns/a", active: subnets).Addresses.Count);
        Assert.Single(Ledger(multi).Allocate("ns/a", multi: false, active: subnets).Addresses);
        Assert.Equal(2, Ledger(single).Allocate("ns/a", multi: true, active: subnets).Addresses.Count);
        var backwardCompat = Ledger(single).Allocate("ns/a", active: subnets);
        backwardCompat.Ok("10.0.1.0");
        var annotated = Ledger(multi).Allocate("ns/a", active: subnets);
        Assert.Equal("default", annotated.AllocatedFrom);
    }

    [Fact]
    public void Multi_pool_rejects_sharing_and_balance()
    {
        var subnets = Subnets("10.0.1.0/24");
        var ledger = Ledger(Local("default", v4: [P("10.0.1.0/30", "10.0.1.0/24")], multi: true),
            Local("both", v4: [P("10.0.2.0/30", "10.0.2.0/24")], multi: true, balance: true));
        ledger.Allocate("ns/a", sharing: "k", active: subnets).Fails(AllocationError.MultiPoolWithSharing, "sharing");
        ledger.Allocate("ns/b", group: "both", active: subnets).Fails(AllocationError.MultiPoolWithBalancePools, "mutually exclusive");
    }

    [Fact]
    public void Skip_dad_annotation_value()
    {
        var ledger = Ledger(Local("dad", v6: [P("1000::/126")], skipDad: true), Local("default", v6: [P("1001::/126")]));
        Assert.True(ledger.Allocate("ns/a", group: "dad").SkipIPv6Dad);
        Assert.False(ledger.Allocate("ns/b").SkipIPv6Dad);
    }

    [Fact]
    public void Incremental_multi_pool_adds_newly_active_ranges_only()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.1.0/30", "10.0.1.0/24"), P("10.0.2.0/30", "10.0.2.0/24"), P("10.0.3.0/30", "10.0.3.0/24")], multi: true));
        var two = Subnets("10.0.1.0/24", "10.0.2.0/24");
        ledger.Allocate("ns/a", active: two).Ok("10.0.1.0", "10.0.2.0");
        var same = ledger.Allocate("ns/a", active: two);
        Assert.False(same.Changed);
        same.Ok("10.0.1.0", "10.0.2.0");
        var grown = ledger.Allocate("ns/a", active: Subnets("10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"));
        Assert.True(grown.Changed);
        grown.Ok("10.0.1.0", "10.0.2.0", "10.0.3.0");
        var noop = ledger.Allocate("ns/a", active: Subnets("10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"));
        Assert.False(noop.Changed);
        Assert.Equal(3, noop.Addresses.Count);
        // Ranges whose nodes have gone are kept.
        var shrunk = ledger.Allocate("ns/a", active: Subnets("10.0.1.0/24"));
        Assert.False(shrunk.Changed);
        Assert.Equal(3, shrunk.Addresses.Count);
    }

    [Fact]
    public void Usage_after_rebuild_counts_existing_dual_stack_services()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.1-10.0.0.10", "10.0.0.0/24")], v6: [P("1000::/124")]));
        var report = ledger.Rebuild([
            new ExistingAllocation("ns/a", "ns", ["10.0.0.1", "1000::1"]),
            new ExistingAllocation("ns/b", "ns", ["10.0.0.2", "1000::2"]),
        ]);
        Assert.Equal(2, report.Adopted);
        var status = PoolStatusValues.FromUsage(ledger.Use("default"));
        Assert.Equal((2L, 2L, 8L, 14L), (status.AllocatedIPv4, status.AllocatedIPv6, status.AvailableIPv4!.Value, status.AvailableIPv6!.Value));
    }

    [Fact]
    public void Incremental_multi_pool_uses_the_holding_pool_not_the_annotation()
    {
        var ledger = Ledger(
            Local("default", v4: [P("10.0.1.0/30", "10.0.1.0/24")], multi: true),
            Local("victim", v4: [P("10.0.9.0/30", "10.0.9.0/24")], multi: true));
        ledger.Allocate("ns/a", active: Subnets("10.0.1.0/24", "10.0.9.0/24")).Ok("10.0.1.0");
        var r = ledger.Allocate("ns/a", group: "victim", active: Subnets("10.0.1.0/24", "10.0.9.0/24"));
        r.Ok("10.0.1.0");
        Assert.False(r.Changed);
        Assert.Equal("default", r.AllocatedFrom);
        Assert.Equal((UInt128)0, ledger.Use("victim").Used);
    }

    [Fact]
    public void Dual_stack_against_a_v4_only_group_rolls_back_unless_preferred()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/30")]));
        var r = ledger.Allocate("ns/a", families: Dual);
        r.Fails(AllocationError.NoPoolForFamily, "has no IPv6 ranges");
        Assert.Empty(r.Addresses);
        Assert.Equal((UInt128)0, ledger.Use("default").Used);
        ledger.Allocate("ns/a", families: Dual, policy: IpFamilyPolicy.RequireDualStack).Fails(AllocationError.NoPoolForFamily);
        var preferred = ledger.Allocate("ns/a", families: Dual6, policy: IpFamilyPolicy.PreferDualStack);
        preferred.Ok("10.0.0.0");
        Assert.Contains(preferred.Warnings, w => w.Kind == AllocationWarningKind.FamilyUnavailable);
    }

    [Fact]
    public void Dual_stack_exhaustion_of_the_second_family_rolls_back_the_first()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/30")], v6: [P("1000::/128")]));
        ledger.Allocate("ns/v6", families: V6).Ok("1000::");
        var r = ledger.Allocate("ns/dual", families: Dual, policy: IpFamilyPolicy.RequireDualStack);
        r.Fails(AllocationError.PoolExhausted);
        Assert.Equal((UInt128)0, ledger.Use("default").UsedV4);
    }

    [Fact]
    public void Failed_single_to_dual_upgrade_keeps_the_existing_address()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/30")]));
        ledger.Allocate("ns/a", families: V4).Ok("10.0.0.0");
        ledger.Allocate("ns/a", families: Dual, policy: IpFamilyPolicy.RequireDualStack).Fails(AllocationError.NoPoolForFamily);
        Assert.Equal(["10.0.0.0"], ledger.AllocationOf("ns/a")!.Addresses.Select(a => a.ToString()));
        Assert.Equal((UInt128)1, ledger.Use("default").Used);
    }

    [Fact]
    public void Holding_pool_errors_for_incremental_multi_pool()
    {
        var ledger = Ledger(
            Local("default", v4: [P("10.0.1.0/30", "10.0.1.0/24")], multi: true),
            Local("other", v6: [P("1000::/126", "1000::/64")]));
        Assert.True(ledger.AssignChecked(new ExistingAllocation("ns/span", "ns", ["10.0.1.1", "1000::1"])).Succeeded);
        ledger.Allocate("ns/span", active: Subnets("10.0.1.0/24"))
            .Fails(AllocationError.AddressesNotInOnePool, "addresses span more than one pool (default, other)");
        Assert.True(ledger.AssignChecked(new ExistingAllocation("ns/out", "ns", ["192.0.2.1"])).Succeeded);
        ledger.Allocate("ns/out", active: Subnets("10.0.1.0/24"), multi: true)
            .Fails(AllocationError.AddressesNotInOnePool, "address 192.0.2.1 does not belong to any pool");
    }

    [Fact]
    public void Release_address_frees_from_the_containing_pool_and_skips_unowned()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/30")], v6: [P("1000::/126")]));
        ledger.Allocate("ns/a", families: Dual).Ok("10.0.0.0", "1000::");
        var r = ledger.ReleaseAddress("ns/a", IpAddr.Parse("1000::"));
        Assert.Equal(["1000::"], r.Released.Select(a => a.ToString()));
        Assert.Equal(["10.0.0.0"], r.Texts());
        Assert.Equal((UInt128)0, ledger.Use("default").UsedV6);
        var none = ledger.ReleaseAddress("ns/a", IpAddr.Parse("10.0.0.3"));
        Assert.Empty(none.Released);
        Assert.Equal((UInt128)1, ledger.Use("default").UsedV4);
        ledger.ReleaseAddress("ns/a", IpAddr.Parse("10.0.0.0"));
        Assert.Null(ledger.AllocationOf("ns/a"));
        Assert.Empty(ledger.ReleaseAddress("ns/unknown", IpAddr.Parse("10.0.0.0")).Released);
    }

    [Fact]
    public void Pins_from_several_pools_are_all_or_nothing()
    {
        var ledger = Ledger(Local("a", v4: [P("10.0.1.0/30")]), Remote("b", v6: [P("1000::/126")]));
        ledger.Allocate("ns/holder", pins: ["1000::1"]).Ok("1000::1");
        var r = ledger.Allocate("ns/x", pins: ["10.0.1.1", "1000::1"]);
        r.Fails(AllocationError.PinnedAddressTaken);
        Assert.False(ledger.IsHeld(IpAddr.Parse("10.0.1.1")));
        var ok = ledger.Allocate("ns/y", pins: ["10.0.1.2", "1000::2"]);
        ok.Ok("10.0.1.2", "1000::2");
        Assert.Equal("a, b", ok.AllocatedFrom);
        Assert.Equal("local", ok.PoolType);
    }

    [Fact]
    public void External_groups_are_resolved_but_not_allocated_here()
    {
        var ledger = Ledger(External("default"));
        var r = ledger.Allocate("ns/a");
        r.Fails(AllocationError.ExternalGroup);
        Assert.Equal("default", r.Group!.Name);
        Assert.Equal(PoolKind.External, r.Group.Kind);
    }
}
