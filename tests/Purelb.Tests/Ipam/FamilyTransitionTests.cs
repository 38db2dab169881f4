using Purelb.Ipam;
using Xunit;
using static Purelb.Tests.Ipam.Fx;

namespace Purelb.Tests.Ipam;

/// <summary>IP-family transitions of Services that already hold addresses (allocator.md §4.9; upstream service_test.go).</summary>
public class FamilyTransitionTests
{
    private static IpamLedger Dual() => Ledger(Local("default", v4: [P("10.0.0.0/29")], v6: [P("1000::/125")]));

    [Fact]
    public void Steady_states_change_nothing()
    {
        var ledger = Dual();
        ledger.Allocate("ns/v4", families: V4).Ok("10.0.0.0");
        ledger.Allocate("ns/dual", families: Fx.Dual).Ok("10.0.0.1", "1000::");
        var again4 = ledger.Allocate("ns/v4", families: V4);
        var againDual = ledger.Allocate("ns/dual", families: Fx.Dual);
        Assert.False(again4.Changed);
        Assert.False(againDual.Changed);
        againDual.Ok("10.0.0.1", "1000::");
    }

    [Fact]
    public void Empty_families_keep_whatever_the_service_holds()
    {
        var ledger = Dual();
        ledger.Allocate("ns/a").Ok("1000::");
        var r = ledger.Allocate("ns/a");
        r.Ok("1000::");
        Assert.False(r.Changed);
    }

    [Theory]
    [InlineData(IpFamily.IPv4, "10.0.0.0", "1000::")]
    [InlineData(IpFamily.IPv6, "1000::", "10.0.0.0")]
    public void Dual_to_single_releases_the_other_family(IpFamily keep, string kept, string released)
    {
        var ledger = Dual();
        ledger.Allocate("ns/a", families: Fx.Dual).Ok("10.0.0.0", "1000::");
        var r = ledger.Allocate("ns/a", families: [keep], policy: IpFamilyPolicy.SingleStack);
        r.Ok(kept);
        Assert.Equal([released], r.Released.Select(a => a.ToString()));
        Assert.False(ledger.IsHeld(IpAddr.Parse(released)));
    }

    [Fact]
    public void Single_to_dual_tops_up_the_missing_family_only()
    {
        var ledger = Dual();
        ledger.Allocate("ns/a", families: V4).Ok("10.0.0.0");
        var r = ledger.Allocate("ns/a", families: Fx.Dual, policy: IpFamilyPolicy.RequireDualStack);
        r.Ok("10.0.0.0", "1000::");
        Assert.Equal(["1000::"], r.Added.Select(a => a.ToString()));
        Assert.Empty(r.Released);
    }

    [Fact]
    public void Switching_family_releases_and_allocates_atomically()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/32")], v6: [P("1000::/128")]));
        ledger.Allocate("ns/other", families: V4).Ok("10.0.0.0");
        ledger.Allocate("ns/a", families: V6).Ok("1000::");
        // IPv6 → IPv4 while IPv4 is exhausted: refused, and the IPv6 address is not released.
        ledger.Allocate("ns/a", families: V4, policy: IpFamilyPolicy.SingleStack).Fails(AllocationError.PoolExhausted);
        Assert.True(ledger.IsHeld(IpAddr.Parse("1000::")));
        ledger.Release("ns/other");
        var r = ledger.Allocate("ns/a", families: V4, policy: IpFamilyPolicy.SingleStack);
        r.Ok("10.0.0.0");
        Assert.Equal(["1000::"], r.Released.Select(a => a.ToString()));
    }

    [Fact]
    public void Unparseable_status_entries_are_skipped_and_the_family_is_topped_up()
    {
        var ledger = Dual();
        var adopted = ledger.AssignChecked(new ExistingAllocation("ns/a", "ns", ["10.0.0.5", "not-an-ip"]));
        Assert.Contains(adopted.Warnings, w => w.Kind == AllocationWarningKind.UnparseableAddress);
        ledger.Allocate("ns/a", families: Fx.Dual).Ok("10.0.0.5", "1000::");
    }

    [Fact]
    public void Duplicated_family_is_topped_up_once()
    {
        var ledger = Dual();
        ledger.Allocate("ns/a", families: V4).Ok("10.0.0.0");
        var r = ledger.Allocate("ns/a", families: [IpFamily.IPv4, IpFamily.IPv6, IpFamily.IPv6]);
        r.Ok("10.0.0.0", "1000::");
    }

    [Fact]
    public void Two_addresses_of_an_unrequested_family_are_both_excess()
    {
        var ledger = Dual();
        Assert.True(ledger.AssignChecked(new ExistingAllocation("ns/a", "ns", ["1000::1", "1000::2"])).Succeeded);
        var r = ledger.Allocate("ns/a", families: V4);
        r.Ok("10.0.0.0");
        Assert.Equal(2, r.Released.Count);
    }

    [Fact]
    public void Top_up_comes_from_the_group_that_resolves_now()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/30")]), Remote("six", v6: [P("1000::/126")]));
        ledger.Allocate("ns/a", families: V4).Ok("10.0.0.0");
        var r = ledger.Allocate("ns/a", group: "six", families: Fx.Dual);
        r.Ok("10.0.0.0", "1000::");
        Assert.Equal("default, six", r.AllocatedFrom);
    }

    [Fact]
    public void Prefer_dual_stack_keeps_a_single_family_when_the_group_lacks_the_other()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/30")]));
        ledger.Allocate("ns/a", families: Fx.Dual, policy: IpFamilyPolicy.PreferDualStack).Ok("10.0.0.0");
        var r = ledger.Allocate("ns/a", families: Fx.Dual, policy: IpFamilyPolicy.PreferDualStack);
        r.Ok("10.0.0.0");
        Assert.False(r.Changed);
        // Once the group gains IPv6 ranges, the next sync tops up.
        ledger.SetConfig(Config(Local("default", v4: [P("10.0.0.0/30")], v6: [P("1000::/126")])));
        ledger.Allocate("ns/a", families: Fx.Dual, policy: IpFamilyPolicy.PreferDualStack).Ok("10.0.0.0", "1000::");
    }

    [Fact]
    public void Prefer_dual_stack_keeps_its_address_when_no_group_resolves()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/30")]));
        ledger.Allocate("ns/a", families: Fx.Dual, policy: IpFamilyPolicy.PreferDualStack).Ok("10.0.0.0");
        ledger.Allocate("ns/a", group: "gone", families: Fx.Dual, policy: IpFamilyPolicy.PreferDualStack).Ok("10.0.0.0");
        ledger.Allocate("ns/a", group: "gone", families: Fx.Dual, policy: IpFamilyPolicy.RequireDualStack).Fails(AllocationError.NoGroup);
    }

    [Fact]
    public void Pinned_service_missing_a_family_is_re_pinned_as_a_whole()
    {
        var ledger = Dual();
        ledger.Allocate("ns/a", pins: ["10.0.0.3"], families: V4).Ok("10.0.0.3");
        var r = ledger.Allocate("ns/a", pins: ["10.0.0.3", "1000::3"], families: Fx.Dual);
        r.Ok("10.0.0.3", "1000::3");
        Assert.Equal(["1000::3"], r.Added.Select(a => a.ToString()));
        Assert.Empty(r.Released);
        // The pins cannot supply IPv6 here: nothing is missing that they could fill, so nothing changes.
        var ledger2 = Dual();
        ledger2.Allocate("ns/b", pins: ["10.0.0.4"], families: V4).Ok("10.0.0.4");
        Assert.False(ledger2.Allocate("ns/b", pins: ["10.0.0.4"], families: Fx.Dual).Changed);
    }

    [Fact]
    public void Changed_sharing_key_is_re_registered_in_place()
    {
        var ledger = Dual();
        ledger.Allocate("ns/a", families: V4, sharing: "k", ports: Ports("tcp/80")).Ok("10.0.0.0");
        var r = ledger.Allocate("ns/a", families: V4, sharing: "k2", ports: Ports("tcp/443"));
        Assert.True(r.Changed);
        Assert.Equal("k2", ledger.AllocationOf("ns/a")!.SharingKey);
        // The new key is what others join on now.
        ledger.Allocate("ns/b", families: V4, sharing: "k2", ports: Ports("tcp/80")).Ok("10.0.0.0");
        ledger.Allocate("ns/c", families: V4, sharing: "k", ports: Ports("tcp/81")).Ok("10.0.0.1");
    }
}
