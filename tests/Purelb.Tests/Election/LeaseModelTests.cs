using System.Net;
using Purelb.Election;
using Xunit;

namespace Purelb.Tests.Election;

public class LeaseModelTests
{
    internal static LeaseRecord Lease(string node, DateTimeOffset? renew, int? seconds = 5, string? subnets = "192.168.1.0/24", string instance = "uid-1") =>
        new(LeaseContract.LeaseName(node), node, renew, seconds,
            subnets is null
                ? new Dictionary<string, string> { [LeaseContract.InstanceAnnotation] = instance }
                : new Dictionary<string, string> { [LeaseContract.SubnetsAnnotation] = subnets, [LeaseContract.InstanceAnnotation] = instance },
            LeaseContract.Labels, null, "1");

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Names_round_trip()
    {
        Assert.Equal("purelb-node-worker1", LeaseContract.LeaseName("worker1"));
        Assert.True(LeaseContract.TryGetNodeName("purelb-node-worker1", out var n));
        Assert.Equal("worker1", n);
        Assert.False(LeaseContract.TryGetNodeName("purelb-node-", out _));
        Assert.False(LeaseContract.TryGetNodeName("kube-scheduler", out _));
    }

    [Fact]
    public void Subnets_are_formatted_sorted_deduplicated_masked()
    {
        var text = SubnetsAnnotation.Format([
            IpText.MaskedNetwork(IPAddress.Parse("192.168.1.50"), 24),
            IpText.MaskedNetwork(IPAddress.Parse("2001:db8::5"), 64),
            IpText.MaskedNetwork(IPAddress.Parse("10.0.0.1"), 8),
            IpText.MaskedNetwork(IPAddress.Parse("192.168.1.1"), 24),
        ]);
        Assert.Equal("10.0.0.0/8,192.168.1.0/24,2001:db8::/64", text);
        Assert.Equal("", SubnetsAnnotation.Format([]));
    }

    [Theory]
    [InlineData("", 0, 0)]
    [InlineData("192.168.1.0/24", 1, 0)]
    [InlineData("192.168.1.7/24,2001:db8::/64", 2, 0)] // host bits masked, as upstream
    [InlineData("192.168.1.0/24,nonsense,10.0.0.0/33", 1, 2)]
    [InlineData(" 192.168.1.0/24", 0, 1)] // no trimming
    [InlineData("010.1.1.0/24", 0, 1)] // leading zeros are not an address
    [InlineData("1/8", 0, 1)]
    [InlineData("fe80::1%eth0/64", 0, 1)]
    [InlineData("192.168.1.0/24,192.168.1.0/24", 1, 0)]
    [InlineData(",,", 0, 3)]
    public void Peer_subnets_parse_tolerantly(string text, int valid, int rejected)
    {
        var parsed = SubnetsAnnotation.Parse(text);
        Assert.Equal(valid, parsed.Subnets.Count);
        Assert.Equal(rejected, parsed.Rejected.Count);
    }

    [Fact]
    public void Subnets_beyond_the_cap_are_cut()
    {
        var text = string.Join(',', Enumerable.Range(0, 300).Select(i => $"10.{i / 256}.{i % 256}.0/24"));
        var parsed = SubnetsAnnotation.Parse(text);
        Assert.Equal(LeaseContract.MaxSubnetsPerLease, parsed.Subnets.Count);
        Assert.Equal(300 - LeaseContract.MaxSubnetsPerLease, parsed.Truncated);
    }

    public static TheoryData<string, LeaseRecord, LeaseIgnoreReason> BadLeases => new()
    {
        { "foreign name", Lease("x", T0) with { Name = "kube-controller-manager" }, LeaseIgnoreReason.NotAPurelbLease },
        { "no renewTime", Lease("x", null), LeaseIgnoreReason.MissingRenewTime },
        { "no duration", Lease("x", T0, null), LeaseIgnoreReason.InvalidDuration },
        { "zero duration", Lease("x", T0, 0), LeaseIgnoreReason.InvalidDuration },
        { "negative duration", Lease("x", T0, -5), LeaseIgnoreReason.InvalidDuration },
    };

    [Theory]
    [MemberData(nameof(BadLeases))]
    public void Bad_peer_leases_are_ignored_with_a_reason(string _, LeaseRecord record, LeaseIgnoreReason reason)
    {
        var result = PeerLease.TryRead(record);
        Assert.Null(result.Lease);
        Assert.Equal(reason, result.Reason);
        Assert.False(string.IsNullOrEmpty(result.Message));
    }

    [Fact]
    public void Lease_with_some_bad_subnets_is_used_with_warnings()
    {
        var result = PeerLease.TryRead(Lease("w1", T0, subnets: "192.168.1.0/24,garbage"));
        Assert.NotNull(result.Lease);
        Assert.Equal("w1", result.Lease!.Node);
        Assert.Single(result.Lease.Subnets);
        Assert.Contains(result.Lease.Warnings, w => w.Contains("garbage"));
        Assert.Equal(TimeSpan.FromSeconds(5), result.Lease.Duration);
        Assert.Equal("uid-1", result.Lease.Instance);
    }

    [Fact]
    public void Missing_annotations_mean_no_subnets()
    {
        var result = PeerLease.TryRead(Lease("w1", T0, subnets: null) with { Annotations = new Dictionary<string, string>() });
        Assert.NotNull(result.Lease);
        Assert.Empty(result.Lease!.Subnets);
        Assert.Equal("", result.Lease.Instance);
    }
}
