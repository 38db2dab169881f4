using Purelb.Ipam;
using Xunit;
using static Purelb.Tests.Ipam.Fx;

namespace Purelb.Tests.Ipam;

/// <summary>Configuration changes re-home held addresses and never revoke them (allocator.md §4.11, docs/ipam-decisions.md).</summary>
public class ConfigChangeTests
{
    [Fact]
    public void Same_config_again_keeps_every_address()
    {
        var groups = new[] { Local("default", v4: [P("10.0.0.0/29")], v6: [P("1000::/125")]) };
        var ledger = Ledger(groups);
        ledger.Allocate("ns/a", families: Dual).Ok("10.0.0.0", "1000::");
        ledger.Allocate("ns/b", families: V4).Ok("10.0.0.1");
        var before = ledger.DumpState();
        var change = ledger.SetConfig(Config(groups));
        Assert.True(change.Applied);
        Assert.Equal(3, change.Rehomed);
        Assert.Equal(before, ledger.DumpState());
        ledger.Allocate("ns/c", families: V4).Ok("10.0.0.2");
    }

    [Fact]
    public void Shrinking_below_a_held_address_keeps_it_outside_every_pool_until_the_range_returns()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/29")]));
        for (int i = 0; i < 6; i++) ledger.Allocate($"ns/s{i}", families: V4);
        var change = ledger.SetConfig(Config(Local("default", v4: [P("10.0.0.0/30")])));
        Assert.True(change.Applied);
        Assert.Equal([("10.0.0.4", "ns/s4"), ("10.0.0.5", "ns/s5")],
            change.Orphaned.Select(o => (o.Address.ToString(), o.Service)).Order());
        Assert.Equal((UInt128)4, ledger.Use("default").UsedV4);
        Assert.Equal("", ledger.AllocationOf("ns/s4")!.AllocatedFrom);
        Assert.Equal(["10.0.0.4"], ledger.AllocationOf("ns/s4")!.OutsidePools.Select(a => a.ToString()));
        ledger.Allocate("ns/new", families: V4).Fails(AllocationError.PoolExhausted);
        ledger.Allocate("ns/pin", pins: ["10.0.0.4"]).Fails(AllocationError.PinnedAddressNotInPool);

        // The range grows back: the kept addresses are counted again and never handed out twice.
        ledger.SetConfig(Config(Local("default", v4: [P("10.0.0.0/29")])));
        Assert.Equal((UInt128)6, ledger.Use("default").UsedV4);
        ledger.Allocate("ns/new", families: V4).Ok("10.0.0.6");
        ledger.Allocate("ns/pin", pins: ["10.0.0.4"]).Fails(AllocationError.PinnedAddressTaken);
        Assert.Equal("default", ledger.AllocationOf("ns/s4")!.AllocatedFrom);
    }

    [Fact]
    public void Deleted_group_keeps_addresses_and_new_requests_fail()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/29")]), Local("gone", v4: [P("10.0.1.0/29")]));
        ledger.Allocate("ns/a", group: "gone").Ok("10.0.1.0");
        ledger.SetConfig(Config(Local("default", v4: [P("10.0.0.0/29")])));
        Assert.Equal(["10.0.1.0"], ledger.AllocationOf("ns/a")!.Addresses.Select(a => a.ToString()));
        ledger.Allocate("ns/b", group: "gone").Fails(AllocationError.NoGroup, "unknown pool \"gone\"");
        Assert.Null(ledger.Usage("gone"));
        // Releasing the kept address is harmless.
        Assert.Single(ledger.Release("ns/a").Released);
        Assert.Null(ledger.FindInvariantViolation());
    }

    [Fact]
    public void Range_moved_to_another_group_is_counted_there()
    {
        var ledger = Ledger(Local("a", v4: [P("10.0.0.0/29"), P("10.0.1.0/29")]), Local("b", v4: [P("10.0.2.0/29")]));
        ledger.Allocate("ns/x", group: "a", families: V4).Ok("10.0.0.0");
        ledger.SetConfig(Config(Local("a", v4: [P("10.0.1.0/29")]), Local("b", v4: [P("10.0.2.0/29"), P("10.0.0.0/29")])));
        Assert.Equal("b", ledger.AllocationOf("ns/x")!.AllocatedFrom);
        Assert.Equal((UInt128)1, ledger.Use("b").UsedV4);
        Assert.Equal((UInt128)0, ledger.Use("a").UsedV4);
        Assert.Null(ledger.FindInvariantViolation());
    }

    [Fact]
    public void All_invalid_config_is_refused_and_the_old_one_stays()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/29")]));
        ledger.Allocate("ns/a").Ok("10.0.0.0");
        var before = ledger.DumpState();
        var change = ledger.SetConfig(IpamConfig.Build([Local("default", v4: [P("nope")])]));
        Assert.False(change.Applied);
        Assert.Equal("No valid pools found", change.Error);
        Assert.Equal(before, ledger.DumpState());
        ledger.Allocate("ns/b").Ok("10.0.0.1");
    }

    [Fact]
    public void Empty_config_is_valid_and_keeps_addresses_outside_pools()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/29")]));
        ledger.Allocate("ns/a").Ok("10.0.0.0");
        Assert.True(ledger.SetConfig(IpamConfig.Empty).Applied);
        Assert.True(ledger.IsHeld(IpAddr.Parse("10.0.0.0")));
        ledger.Allocate("ns/b").Fails(AllocationError.NoGroup);
    }

    [Fact]
    public void Sharing_bindings_survive_a_config_change()
    {
        var groups = new[] { Local("default", v4: [P("10.0.0.0/29")]) };
        var ledger = Ledger(groups);
        ledger.Allocate("ns/a", families: V4, sharing: "k", ports: Ports("tcp/80")).Ok("10.0.0.0");
        ledger.SetConfig(Config(groups));
        ledger.Allocate("ns/b", families: V4, sharing: "k", ports: Ports("tcp/81")).Ok("10.0.0.0");
        ledger.Allocate("ns/c", families: V4, sharing: "k", ports: Ports("tcp/80")).Fails(AllocationError.PortConflict);
    }
}
