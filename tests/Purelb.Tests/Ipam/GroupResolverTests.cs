using Purelb.Ipam;
using Xunit;
using static Purelb.Tests.Ipam.Fx;

namespace Purelb.Tests.Ipam;

/// <summary>Ports of upstream poolselect_test.go (allocator.md §4.2, §7.2).</summary>
public class GroupResolverTests
{
    private static readonly ServiceGroupConfig DefaultGroup = Local("default", v4: [P("10.0.0.0/24")]);

    [Fact]
    public void Falls_back_to_default()
    {
        var r = GroupResolver.Resolve(Config(DefaultGroup), "anything", null);
        Assert.True(r.Succeeded);
        Assert.Equal("default", r.Pool!.Name);
        Assert.Equal(GroupProvenance.Default, r.Provenance);
    }

    [Fact]
    public void Namespace_defaulting_without_enforcement_is_a_default_not_a_fence()
    {
        var c = Config(DefaultGroup, Local("tenant", v4: [P("10.0.1.0/24")], namespaces: ["team-a"]));
        var bound = GroupResolver.Resolve(c, "team-a", null);
        Assert.Equal("tenant", bound.Pool!.Name);
        Assert.Equal(GroupProvenance.Namespace, bound.Provenance);
        var leave = GroupResolver.Resolve(c, "team-a", "default");
        Assert.True(leave.Succeeded);
        Assert.Equal(GroupProvenance.Annotation, leave.Provenance);
        var enter = GroupResolver.Resolve(c, "outsider", "tenant");
        Assert.True(enter.Succeeded);
        Assert.Equal("tenant", enter.Pool!.Name);
    }

    [Fact]
    public void Enforcement_fences_both_directions()
    {
        var c = Config(DefaultGroup, Local("tenant", v4: [P("10.0.1.0/24")], namespaces: ["team-a"], enforce: true));
        var outsider = GroupResolver.Resolve(c, "outsider", "tenant");
        Assert.Equal(AllocationError.NamespaceNotAllowed, outsider.Error);
        Assert.Equal("namespace denied: ServiceGroup \"tenant\" serves a confined namespace and does not serve \"outsider\"", outsider.Message);
        var insider = GroupResolver.Resolve(c, "team-a", "default");
        Assert.Equal(AllocationError.NamespaceNotAllowed, insider.Error);
        Assert.Equal("namespace denied: namespace \"team-a\" may only use [tenant], not ServiceGroup \"default\"", insider.Message);
        Assert.Equal("default", GroupResolver.Resolve(c, "unbound", null).Pool!.Name);
        Assert.Equal("tenant", GroupResolver.Resolve(c, "team-a", null).Pool!.Name);
    }

    [Fact]
    public void Enforcing_one_tenant_group_fences_its_other_groups_too()
    {
        var c = Config(DefaultGroup,
            Local("tenant-l2", v4: [P("10.0.1.0/24")], namespaces: ["team-a"], enforce: true, nsDefault: true),
            Remote("tenant-bgp", v4: [P("10.0.2.0/24")], namespaces: ["team-a"]));
        Assert.Equal(AllocationError.NamespaceNotAllowed, GroupResolver.Resolve(c, "outsider", "tenant-bgp").Error);
        Assert.True(GroupResolver.Resolve(c, "team-a", "tenant-bgp").Succeeded);
    }

    [Fact]
    public void Marked_namespace_default_wins_and_annotation_reaches_the_other()
    {
        var c = Config(
            Local("l2", v4: [P("10.0.1.0/24")], namespaces: ["team-a"], nsDefault: true),
            Remote("bgp", v4: [P("10.0.2.0/24")], namespaces: ["team-a"]));
        Assert.Equal("l2", GroupResolver.Resolve(c, "team-a", null).Pool!.Name);
        Assert.Equal("bgp", GroupResolver.Resolve(c, "team-a", "bgp").Pool!.Name);
    }

    [Fact]
    public void Ambiguous_default_depends_on_enforcement()
    {
        var enforcing = Config(DefaultGroup,
            Local("l2", v4: [P("10.0.1.0/24")], namespaces: ["team-a"], enforce: true),
            Remote("bgp", v4: [P("10.0.2.0/24")], namespaces: ["team-a"]));
        var r = GroupResolver.Resolve(enforcing, "team-a", null);
        Assert.Equal(AllocationError.AmbiguousNamespaceDefault, r.Error);
        Assert.Equal("ambiguous namespace default: namespace \"team-a\" is served by [bgp l2] and none sets namespaceDefault; exactly one must", r.Message);

        var open = Config(DefaultGroup,
            Local("l2", v4: [P("10.0.1.0/24")], namespaces: ["team-a"]),
            Remote("bgp", v4: [P("10.0.2.0/24")], namespaces: ["team-a"]));
        var fallback = GroupResolver.Resolve(open, "team-a", null);
        Assert.Equal("default", fallback.Pool!.Name);
        Assert.Equal(GroupProvenance.DefaultAmbiguous, fallback.Provenance);
        Assert.Equal(AllocationWarningKind.AmbiguousDefaultFallback, fallback.Warning!.Kind);
        Assert.EndsWith("; allocated from \"default\" instead", fallback.Warning.Message);

        var twoMarked = Config(DefaultGroup,
            Local("l2", v4: [P("10.0.1.0/24")], namespaces: ["team-a"], enforce: true, nsDefault: true),
            Remote("bgp", v4: [P("10.0.2.0/24")], namespaces: ["team-a"], nsDefault: true));
        Assert.Contains("[bgp l2] all set namespaceDefault", GroupResolver.Resolve(twoMarked, "team-a", null).Message);
    }

    [Fact]
    public void Duplicate_namespace_entry_is_not_ambiguity()
    {
        var c = Config(DefaultGroup, Local("l2", v4: [P("10.0.1.0/24")], namespaces: ["a", "a"], enforce: true));
        Assert.Equal("l2", GroupResolver.Resolve(c, "a", null).Pool!.Name);
    }

    [Fact]
    public void Unknown_pool_message_is_unchanged_and_rejected_groups_say_so()
    {
        var c = IpamConfig.Build([DefaultGroup, Local("broken", v4: [P("nope")])]);
        var unknown = GroupResolver.Resolve(c, "x", "nonexistent-pool");
        Assert.Equal(AllocationError.NoGroup, unknown.Error);
        Assert.Equal("unknown pool \"nonexistent-pool\"", unknown.Message);
        var broken = GroupResolver.Resolve(c, "x", "broken");
        Assert.Equal(AllocationError.InvalidGroup, broken.Error);
        Assert.Equal("no usable pool: ServiceGroup \"broken\" failed to parse", broken.Message);
        Assert.Equal("unknown pool \"\"", GroupResolver.Resolve(c, "x", "").Message);
        Assert.Equal(AllocationError.NoGroup, GroupResolver.Resolve(IpamConfig.Empty, "x", null).Error);
    }

    [Fact]
    public void Pinned_address_respects_the_boundary_and_a_refused_pin_keeps_the_incumbent()
    {
        var ledger = Ledger(DefaultGroup,
            Local("tenant", v4: [P("10.0.1.0/24")], v6: [P("2001:db8:1::/120")], namespaces: ["team-a"], enforce: true));
        var fresh = ledger.Allocate("other/new", pins: ["10.0.1.5"]);
        fresh.Fails(AllocationError.NamespaceNotAllowed, "10.0.1.5: namespace denied");
        Assert.Empty(fresh.Addresses);

        ledger.Allocate("other/svc", families: V4).Ok("10.0.0.0");
        // Asking for a missing IPv6 family through a pin into the fenced group is refused before anything is released.
        var denied = ledger.Allocate("other/svc", families: Dual, pins: ["2001:db8:1::5"]);
        denied.Fails(AllocationError.NamespaceNotAllowed);
        Assert.Equal(["10.0.0.0"], ledger.AllocationOf("other/svc")!.Addresses.Select(a => a.ToString()));
        Assert.Equal(["other/svc"], ledger.ServicesOn(IpAddr.Parse("10.0.0.0")));
    }

    [Fact]
    public void Bound_namespaces_copy_the_spec()
    {
        var c = Config(Local("g", v4: [P("10.0.0.0/24")], namespaces: ["b", "a", "b"]));
        Assert.Equal(["b", "a", "b"], PoolStatusValues.FromUsage(new IpamLedger(c).Use("g")).BoundNamespaces);
    }
}
