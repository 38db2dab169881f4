using Purelb.Ipam;
using Xunit;
using static Purelb.Tests.Ipam.Fx;

namespace Purelb.Tests.Ipam;

/// <summary>Status values of a ServiceGroup (upstream TestBuildStatus, TestStatusEqual, TestInt64PtrEqual, TestCapitalize).</summary>
public class StatusTests
{
    [Fact]
    public void Status_from_a_local_pool()
    {
        var ledger = Ledger(Local("default", v4: [P("10.0.0.0/29")], v6: [P("1000::/124")], namespaces: ["a"]));
        ledger.Allocate("a/x", families: Dual);
        var s = PoolStatusValues.FromUsage(ledger.Use("default"));
        Assert.Equal("Local", s.Announce);
        Assert.Equal("Cluster", s.Ipam);
        Assert.Equal(["10.0.0.0/29", "1000::/124"], s.Addresses!);
        Assert.Equal((1L, 1L, 7L, 15L), (s.AllocatedIPv4, s.AllocatedIPv6, s.AvailableIPv4!.Value, s.AvailableIPv6!.Value));
        Assert.Equal(["a"], s.BoundNamespaces);
    }

    [Fact]
    public void Missing_family_reports_zero_available_and_remote_is_capitalised()
    {
        var ledger = Ledger(Remote("r", v6: [P("1000::/124")]));
        var s = PoolStatusValues.FromUsage(ledger.Use("r"));
        Assert.Equal("Remote", s.Announce);
        Assert.Equal(0L, s.AvailableIPv4);
        Assert.Equal(16L, s.AvailableIPv6);
    }

    [Fact]
    public void Huge_pools_are_clamped_not_negative()
    {
        var ledger = Ledger(Local("big", v6: [P("2001:db8::/48")]));
        ledger.Allocate("a/x", group: "big");
        var s = PoolStatusValues.FromUsage(ledger.Use("big"));
        Assert.Equal(long.MaxValue, s.AvailableIPv6);
        Assert.Equal(1L, s.AllocatedIPv6);
        Assert.Equal((UInt128)1 << 80, ledger.Use("big").SizeV6);
        Assert.Equal(((UInt128)1 << 80) - 1, ledger.Use("big").AvailableV6);
    }

    [Fact]
    public void External_status_known_and_unknown_capacity()
    {
        var pool = Config(External("ext", provider: "netbox", announce: "local")).Find("ext")!;
        var known = PoolStatusValues.ForExternal(pool, 3, 1, (10, 0), ["10.0.0.0/28"]);
        Assert.Equal(("Local", "netbox", 7L, 0L), (known.Announce, known.Ipam, known.AvailableIPv4!.Value, known.AvailableIPv6!.Value));
        var unknown = PoolStatusValues.ForExternal(pool, 3, 1, null, null);
        Assert.Null(unknown.AvailableIPv4);
        Assert.Null(unknown.AvailableIPv6);
        Assert.Null(unknown.Addresses);
        var saturated = PoolStatusValues.ForExternal(pool, 5, 0, (2, ulong.MaxValue), null);
        Assert.Equal(0L, saturated.AvailableIPv4);
        Assert.Equal(long.MaxValue, saturated.AvailableIPv6);
    }

    [Fact]
    public void Equality_is_by_value_including_nulls_and_lists()
    {
        PoolStatusValues Make(long? avail, string[]? addresses, params string[] ns) =>
            new("Local", "Cluster", addresses, 1, 2, avail, 3, ns);
        Assert.Equal(Make(5, ["a"], "x"), Make(5, ["a"], "x"));
        Assert.NotEqual(Make(5, ["a"], "x"), Make(null, ["a"], "x"));
        Assert.Equal(Make(null, ["a"]), Make(null, ["a"]));
        Assert.NotEqual(Make(5, ["a"]), Make(5, ["a", "b"]));
        Assert.NotEqual(Make(5, ["a"]), Make(5, ["b"]));
        Assert.NotEqual(Make(5, ["a"]), Make(5, null));
        Assert.Equal(Make(5, null), Make(5, null));
        Assert.NotEqual(Make(5, ["a"], "x"), Make(5, ["a"], "y"));
        Assert.NotEqual(Make(5, ["a"]) with { Announce = "Remote" }, Make(5, ["a"]));
        Assert.NotEqual(Make(5, ["a"]) with { AllocatedIPv4 = 9 }, Make(5, ["a"]));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("local", "Local")]
    [InlineData("remote", "Remote")]
    [InlineData("Local", "Local")]
    [InlineData("a", "A")]
    public void Capitalize(string input, string expected) => Assert.Equal(expected, PoolStatusValues.Capitalize(input));
}

/// <summary>Upstream TestAllocationFailureReason / TestIsRetryableAllocationErr, for the ledger's errors.</summary>
public class AllocationErrorTests
{
    [Theory]
    [InlineData(AllocationError.PoolExhausted, "exhausted")]
    [InlineData(AllocationError.PortConflict, "port_conflict")]
    [InlineData(AllocationError.SharingConflict, "sharing_key_conflict")]
    [InlineData(AllocationError.NamespaceNotAllowed, "namespace_denied")]
    [InlineData(AllocationError.AmbiguousNamespaceDefault, "ambiguous_namespace_default")]
    [InlineData(AllocationError.InvalidGroup, "no_usable_pool")]
    [InlineData(AllocationError.NoGroup, "unknown_pool")]
    [InlineData(AllocationError.InvalidPinnedAddress, "other")]
    [InlineData(AllocationError.PinnedAddressTaken, "other")]
    public void Metric_reason(AllocationError error, string reason) => Assert.Equal(reason, error.MetricReason());

    [Fact]
    public void Ledger_errors_are_permanent() =>
        Assert.All(Enum.GetValues<AllocationError>(), e => Assert.False(e.IsRetryable()));
}
