using Purelb.Ipam;
using Xunit;
using static Purelb.Tests.Ipam.Fx;

namespace Purelb.Tests.Ipam;

/// <summary>ServiceGroup validation (allocator.md §2.5) and upstream types/nsselect/parse tests.</summary>
public class ConfigValidationTests
{
    private static ConfigProblem Single(IpamConfig c)
    {
        Assert.Single(c.Problems);
        return c.Problems[0];
    }

    [Fact]
    public void ParseGroups_accepts_valid_groups()
    {
        var c = IpamConfig.Build([
            Local("default", v4: [P("192.168.1.0/24")]),
            Remote("routed", v6: [P("2001:db8::/120")]),
            External("corp"),
        ]);
        Assert.Empty(c.Problems);
        Assert.Equal(["corp", "default", "routed"], c.Pools.Select(p => p.Name));
        Assert.Equal(PoolKind.Remote, c.Find("routed")!.Kind);
    }

    [Theory]
    [InlineData("192.168.1.0/33", ConfigErrorKind.InvalidRange)]
    [InlineData("192.168.1", ConfigErrorKind.InvalidRange)]
    [InlineData("192.168.1.9-192.168.1.1", ConfigErrorKind.InvalidRange)]
    [InlineData("192.168.1.1-2001:db8::1", ConfigErrorKind.InvalidRange)]
    public void ParseGroups_drops_a_group_with_a_malformed_range(string range, ConfigErrorKind kind)
    {
        var c = IpamConfig.Build([Local("bad", v4: [P(range, "192.168.0.0/16")]), Local("good", v4: [P("10.0.0.0/24")])]);
        var p = Single(c);
        Assert.Equal(kind, p.Kind);
        Assert.Equal("bad", p.Group);
        Assert.Equal(range, p.Range);
        Assert.Equal("spec.local.v4pools[0].pool", p.Field);
        Assert.Null(c.Find("bad"));
        Assert.True(c.WasRejected("bad"));
        Assert.NotNull(c.Find("good"));
    }

    [Fact]
    public void Range_outside_its_subnet_is_rejected_with_upstream_wording()
    {
        var c = IpamConfig.Build([Local("g", v4: [P("10.0.1.0/24", "10.0.0.0/24")])]);
        var p = Single(c);
        Assert.Equal(ConfigErrorKind.RangeOutsideSubnet, p.Kind);
        Assert.Equal("IPV4 range (10.0.1.0 - 10.0.1.255) not contained by network 10.0.0.0/24", p.Message);

        var v6 = IpamConfig.Build([Local("g", v6: [P("2001:db8:1::/120", "2001:db8::/64")])]);
        Assert.StartsWith("IPV6 range (2001:db8:1:: - 2001:db8:1::ff) not contained by network 2001:db8::/64", Single(v6).Message);
    }

    [Fact]
    public void Range_with_one_end_outside_the_subnet_is_rejected()
    {
        var c = IpamConfig.Build([Local("g", v4: [P("10.0.0.250-10.0.1.5", "10.0.0.0/24")])]);
        Assert.Equal(ConfigErrorKind.RangeOutsideSubnet, Single(c).Kind);
    }

    [Fact]
    public void Bad_subnet_is_its_own_error()
    {
        var c = IpamConfig.Build([Local("g", v4: [P("10.0.0.1-10.0.0.5", "10.0.0.0")])]);
        var p = Single(c);
        Assert.Equal(ConfigErrorKind.InvalidSubnet, p.Kind);
        Assert.Equal("spec.local.v4pools[0].subnet", p.Field);
    }

    [Fact]
    public void V4_range_listed_as_v6_is_rejected()
    {
        var c = IpamConfig.Build([Local("g", v6: [P("10.0.0.0/24")])]);
        Assert.Equal(ConfigErrorKind.WrongFamily, Single(c).Kind);
        var c2 = IpamConfig.Build([Local("g", v4: [P("2001:db8::/120")])]);
        Assert.Equal(ConfigErrorKind.WrongFamily, Single(c2).Kind);
    }

    [Theory]
    [InlineData("default", true)]
    [InlineData("", true)]
    [InlineData("/8", true)]
    [InlineData("/32", true)]
    [InlineData("/33", false)]
    [InlineData("/7", false)]
    [InlineData("24", false)]
    [InlineData("/024", false)]
    [InlineData("/abc", false)]
    public void Aggregation_mask_is_checked_for_ipv4(string aggregation, bool valid)
    {
        var c = IpamConfig.Build([Remote("g", v4: [P("10.0.0.0/24", aggregation: aggregation)])]);
        Assert.Equal(valid, c.Problems.Count == 0);
        if (!valid) Assert.Equal(ConfigErrorKind.InvalidAggregation, c.Problems[0].Kind);
        else Assert.Equal(aggregation.StartsWith('/') ? int.Parse(aggregation[1..]) : 24, c.Find("g")!.V4Ranges[0].EffectiveAggregation);
    }

    [Theory]
    [InlineData("/128", true)]
    [InlineData("/64", true)]
    [InlineData("/129", false)]
    public void Aggregation_mask_is_checked_for_ipv6(string aggregation, bool valid)
    {
        var c = IpamConfig.Build([Remote("g", v6: [P("2001:db8::/120", aggregation: aggregation)])]);
        Assert.Equal(valid, c.Problems.Count == 0);
    }

    [Fact]
    public void Duplicate_name_keeps_the_first_in_namespace_order()
    {
        var a = Local("dup", v4: [P("10.0.0.0/24")], ns: "aaa");
        var b = Local("dup", v4: [P("10.1.0.0/24")], ns: "bbb");
        var c = IpamConfig.Build([b, a]);
        var p = Single(c);
        Assert.Equal(ConfigErrorKind.DuplicateName, p.Kind);
        Assert.Equal("bbb", p.GroupNamespace);
        Assert.Equal("Duplicate definition of pool dup", p.Message);
        Assert.Equal("aaa", c.Find("dup")!.GroupNamespace);
    }

    [Theory]
    [InlineData("10.0.0.0/24", "10.0.0.0/24")]
    [InlineData("10.0.0.0/24", "10.0.0.128/25")]
    [InlineData("10.0.0.0/8", "10.1.0.0/16")]
    [InlineData("10.1.0.0/16", "10.0.0.0/8")]
    [InlineData("10.0.0.0-10.0.0.10", "10.0.0.10-10.0.0.20")]
    public void Identical_overlapping_and_contained_ranges_drop_the_later_group(string first, string second)
    {
        var c = IpamConfig.Build([Local("a", v4: [P(first, "10.0.0.0/8")]), Local("b", v4: [P(second, "10.0.0.0/8")])]);
        var p = Single(c);
        Assert.Equal(ConfigErrorKind.OverlapsOtherGroup, p.Kind);
        Assert.Equal("b", p.Group);
        Assert.StartsWith("Pool overlaps with already defined pool \"a\"", p.Message);
        Assert.NotNull(c.Find("a"));
        Assert.Null(c.Find("b"));
    }

    [Fact]
    public void Overlap_across_kinds_and_families()
    {
        var c = IpamConfig.Build([
            Local("a", v6: [P("2001:db8::/64")]),
            Remote("b", v6: [P("2001:db8::1:0/112", "2001:db8::/64")]),
            Local("c", v4: [P("10.0.0.0/24")], v6: [P("2001:db8:1::/64")]),
        ]);
        Assert.Equal("b", Single(c).Group);
        Assert.NotNull(c.Find("c"));
    }

    [Fact]
    public void Overlap_inside_one_group_is_rejected()
    {
        var c = IpamConfig.Build([Local("a", v4: [P("10.0.0.0/24"), P("10.0.0.16/28", "10.0.0.0/24")])]);
        var p = Single(c);
        Assert.Equal(ConfigErrorKind.OverlappingRanges, p.Kind);
        Assert.Equal("spec.local.v4pools[1]", p.Field);
    }

    [Fact]
    public void Overlap_message_is_stable_and_names_the_lowest_sorting_partner()
    {
        var groups = new[]
        {
            Local("aaa", v4: [P("10.0.0.0/25", "10.0.0.0/24")]),
            Local("bbb", v4: [P("10.0.0.128/25", "10.0.0.0/24")]),
            Local("zzz", v4: [P("10.0.0.0/24")]),
        };
        string? first = null;
        var rng = new Random(7);
        for (int i = 0; i < 20; i++)
        {
            var c = IpamConfig.Build(groups.OrderBy(_ => rng.Next()));
            var p = Single(c);
            Assert.Contains("\"aaa\"", p.Message);
            first ??= p.Message;
            Assert.Equal(first, p.Message);
        }
    }

    [Fact]
    public void Group_without_ranges_or_pool_type_is_rejected()
    {
        Assert.Equal(ConfigErrorKind.NoRanges, Single(IpamConfig.Build([Local("g")])).Kind);
        var none = Single(IpamConfig.Build([new ServiceGroupConfig("g", Ns)]));
        Assert.Equal(ConfigErrorKind.MissingPoolType, none.Kind);
        Assert.Equal("Pool must specify local, remote, or external", none.Message);
        var both = new ServiceGroupConfig("g", Ns, Local: new ServiceGroupLocalConfig(V4Pool: P("10.0.0.0/24")),
            Remote: new ServiceGroupRemoteConfig(V4Pool: P("10.1.0.0/24")));
        Assert.Equal(ConfigErrorKind.MultiplePoolTypes, Single(IpamConfig.Build([both])).Kind);
    }

    [Fact]
    public void Every_problem_of_a_group_is_reported()
    {
        var c = IpamConfig.Build([Local("g", v4: [P("bad"), P("10.0.0.0/24", "nope"), P("10.0.1.0/24", aggregation: "/40")])]);
        Assert.Equal([ConfigErrorKind.InvalidRange, ConfigErrorKind.InvalidSubnet, ConfigErrorKind.InvalidAggregation],
            c.Problems.Select(p => p.Kind));
        Assert.All(c.Problems, p => Assert.Equal("g", p.Group));
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("Local", false)]
    [InlineData("REMOTE", false)]
    [InlineData("bgp", false)]
    [InlineData("dummy", false)]
    [InlineData("local", true)]
    [InlineData("remote", true)]
    public void External_announce_must_be_local_or_remote(string announce, bool valid)
    {
        var c = IpamConfig.Build([External("ext", announce: announce)]);
        Assert.Equal(valid, c.Problems.Count == 0);
        if (valid) Assert.Equal(announce, c.Find("ext")!.PoolType);
        else Assert.Contains($"got \"{announce}\"", c.Problems[0].Message);
    }

    [Fact]
    public void External_default_socket_and_status_source()
    {
        var c = IpamConfig.Build([External("ext", provider: "netbox-sidecar", socket: ""), External("ext2", socket: "/run/x.sock")]);
        Assert.Equal(ServiceGroupExternalConfig.DefaultSocket, c.Find("ext")!.ExternalSocket);
        Assert.Equal("/run/x.sock", c.Find("ext2")!.ExternalSocket);
        Assert.Equal("netbox-sidecar", c.Find("ext")!.IpamSource);
        Assert.Null(c.PoolContaining(IpAddr.Parse("10.20.30.1")));
    }

    [Fact]
    public void External_groups_never_overlap_anything()
    {
        var c = IpamConfig.Build([External("a"), External("b"), Local("c", v4: [P("10.0.0.0/24")])]);
        Assert.Empty(c.Problems);
    }

    [Fact]
    public void Namespace_rules_are_checked()
    {
        var c = IpamConfig.Build([
            Local("a", v4: [P("10.0.0.0/24")], namespaces: ["Bad_Name"]),
            Local("b", v4: [P("10.0.1.0/24")], enforce: true),
            Local("c", v4: [P("10.0.2.0/24")], nsDefault: true),
        ]);
        Assert.Equal(3, c.Problems.Count);
        Assert.All(c.Problems, p => Assert.Equal(ConfigErrorKind.InvalidNamespaces, p.Kind));
    }

    [Fact]
    public void No_valid_pools_is_flagged_but_an_empty_list_is_fine()
    {
        Assert.True(IpamConfig.Build([Local("g", v4: [P("bad")])]).NoValidPools);
        Assert.False(IpamConfig.Build([]).NoValidPools);
        Assert.False(IpamConfig.Build([Local("g", v4: [P("bad")]), Local("h", v4: [P("10.0.0.0/24")])]).NoValidPools);
    }

    [Fact]
    public void Install_namespace_scoping_fails_open()
    {
        var inside = Local("in", v4: [P("10.0.0.0/24")]);
        var outside = Local("out", v4: [P("10.0.1.0/24")], ns: "other");
        var scoped = IpamConfig.Build([inside, outside], new IpamConfigOptions(Ns));
        Assert.Equal(["in"], scoped.Pools.Select(p => p.Name));
        Assert.Equal(ConfigErrorKind.OutOfScope, Single(scoped).Kind);

        Assert.Equal(2, IpamConfig.Build([inside, outside], new IpamConfigOptions("")).Pools.Count);
        // Dropping every group would mean a wrong namespace: keep them all.
        Assert.Equal(["out"], IpamConfig.Build([outside], new IpamConfigOptions(Ns)).Pools.Select(p => p.Name));
        Assert.Empty(IpamConfig.Build([], new IpamConfigOptions(Ns)).Pools);
    }

    [Fact]
    public void Ranges_keep_declared_order_per_family_and_status_lists_v4_then_v6()
    {
        var g = new ServiceGroupConfig("g", Ns, Local: new ServiceGroupLocalConfig(
            V4Pool: P("10.0.9.0/24"), V6Pool: P("2001:db8:9::/120"),
            V4Pools: [P("10.0.2.0/24"), P("10.0.1.0/24")], V6Pools: [P("2001:db8:2::/120")]));
        var pool = Config(g).Find("g")!;
        Assert.Equal(["10.0.2.0/24", "10.0.1.0/24", "10.0.9.0/24"], pool.V4Ranges.Select(r => r.Range.Raw));
        Assert.Equal(["2001:db8:2::/120", "2001:db8:9::/120"], pool.V6Ranges.Select(r => r.Range.Raw));
        Assert.Equal(["10.0.2.0/24", "10.0.1.0/24", "10.0.9.0/24", "2001:db8:2::/120", "2001:db8:9::/120"], pool.DisplayAddresses);
    }

    // types_test.go: finding the group for an address.
    [Theory]
    [InlineData("10.0.1.5", "b")]
    [InlineData("10.0.0.7", "a")]
    [InlineData("2001:db8:2::1", "b")]
    [InlineData("10.0.3.1", "c")]
    [InlineData("10.0.4.1", null)]
    [InlineData("2001:db8:5::1", null)]
    public void Pool_for_address_searches_every_range(string address, string? pool)
    {
        var c = Config(
            Local("a", v4: [P("10.0.0.0/24")]),
            Remote("b", v4: [P("10.0.2.0/24"), P("10.0.1.0/24")], v6: [P("2001:db8:2::/120")]),
            new ServiceGroupConfig("c", Ns, Local: new ServiceGroupLocalConfig(V4Pool: P("10.0.3.0-10.0.3.9", "10.0.3.0/24"))));
        Assert.Equal(pool, c.PoolContaining(IpAddr.Parse(address))?.Name);
        Assert.Null(IpamConfig.Empty.PoolContaining(IpAddr.Parse(address)));
    }

    // nsselect_test.go
    [Fact]
    public void Catch_all_and_serves_namespace()
    {
        var c = Config(
            Local("all", v4: [P("10.0.0.0/24")], namespaces: []),
            Local("scoped", v4: [P("10.0.1.0/24")], namespaces: ["a", "a", "b"], enforce: true));
        var all = c.Find("all")!;
        var scoped = c.Find("scoped")!;
        Assert.True(all.IsCatchAll);
        Assert.True(all.ServesNamespace(""));
        Assert.True(all.ServesNamespace("x"));
        Assert.False(scoped.IsCatchAll);
        Assert.True(scoped.ServesNamespace("a"));
        Assert.True(scoped.ServesNamespace("b"));
        Assert.False(scoped.ServesNamespace(""));
        Assert.False(scoped.ServesNamespace("c"));
        Assert.Equal(["a", "a", "b"], scoped.Namespaces);
    }

    [Fact]
    public void Pool_size_sums_ranges_exactly()
    {
        var pool = Config(Local("g", v4: [P("10.0.0.0/31")], v6: [P("2001:db8::/128"), P("2001:db8:1::/64")])).Find("g")!;
        Assert.Equal((UInt128)2, pool.Size(IpFamily.IPv4));
        Assert.Equal(((UInt128)1 << 64) + 1, pool.Size(IpFamily.IPv6));
    }
}
