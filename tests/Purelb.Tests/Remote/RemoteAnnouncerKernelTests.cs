using System.Net;
using Purelb.Modes.Agent.Model;
using Purelb.Modes.Agent.Remote;
using Purelb.Netlink;
using Purelb.Tests.Netlink;
using Xunit;

namespace Purelb.Tests.RemoteAnnounce;

/// <summary>
/// The remote announcer against the real kernel, in a namespace of its own. This kernel has no dummy link type, so
/// kube-lb0 is pre-created as a bridge (an existing link of that name is used as it is).
/// </summary>
[Trait("Category", "Kernel")]
public sealed class RemoteAnnouncerKernelTests : IAsyncLifetime
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(5);
    private readonly TestNamespace _ns = new();
    private readonly CancellationTokenSource _stop = new();
    private RtNetlink _rt = null!;
    private RemoteAnnouncer _announcer = null!;
    private Task? _loop;

    public Task InitializeAsync()
    {
        _rt = RtNetlink.Open(_ns.Namespace);
        _announcer = new RemoteAnnouncer(_rt, new RemoteAnnouncerOptions
        {
            Namespace = _ns.Namespace,
            RetryDelay = TimeSpan.FromMilliseconds(200),
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null) await _loop;
        _rt.Dispose();
        _ns.Dispose();
        _stop.Dispose();
    }

    private void Start() => _loop = Task.Run(() => _announcer.RunAsync(_stop.Token));

    private static RemoteAddress R(string text)
    {
        var parts = text.Split('/');
        return new RemoteAddress(IPAddress.Parse(parts[0]), int.Parse(parts[1]));
    }

    /// <summary>Global addresses on kube-lb0 as `ip` shows them, sorted.</summary>
    private string[] OnLink()
    {
        if (!_ns.Ip("link show").Contains("kube-lb0", StringComparison.Ordinal)) return [];
        return _ns.Addresses("kube-lb0")
            .Where(a => a.GetProperty("scope").GetString() == "global")
            .Select(a => $"{a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}")
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    private async Task<string[]> WaitFor(string[] expected, TimeSpan timeout)
    {
        var want = expected.Order(StringComparer.Ordinal).ToArray();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var got = OnLink();
            if (got.SequenceEqual(want) || DateTime.UtcNow > deadline) return got;
            await Task.Delay(10);
        }
    }

    private async Task AssertOnLink(string[] expected, TimeSpan? timeout = null) =>
        Assert.Equal(expected.Order(StringComparer.Ordinal), await WaitFor(expected, timeout ?? Quick));

    private bool LinkUp() => _ns.IpJson("link show dev kube-lb0")[0].GetProperty("flags").EnumerateArray().Any(f => f.GetString() == "UP");

    [Fact]
    public async Task Start_brings_the_link_up_removes_stale_addresses_and_holds_each_with_its_aggregation_mask()
    {
        _ns.Ip("link add kube-lb0 type bridge");
        _ns.Ip("addr add 198.51.100.99/32 dev kube-lb0");
        _ns.Ip("addr add 10.9.0.1/24 dev kube-lb0");
        _ns.Ip("addr add 2001:db8:9::1/128 dev kube-lb0");
        Assert.False(LinkUp());

        _announcer.Set("default/host", [R("198.51.100.5/32"), R("2001:db8:5::5/128")]);
        _announcer.Set("default/agg", [R("198.51.100.70/24"), R("2001:db8:6::7/64")]);
        Start();

        await AssertOnLink(["198.51.100.5/32", "198.51.100.70/24", "2001:db8:5::5/128", "2001:db8:6::7/64"]);
        Assert.True(LinkUp());
        // No prefix-route suppression: the kernel holds the connected routes the BGP speaker can export.
        Assert.Contains("198.51.100.0/24 dev kube-lb0", _ns.Ip("-4 route show"), StringComparison.Ordinal);
        Assert.Contains("2001:db8:6::/64 dev kube-lb0", _ns.Ip("-6 route show"), StringComparison.Ordinal);
        Assert.True(_announcer.Status.LinkReady);
    }

    [Fact]
    public async Task Shared_address_stays_until_the_last_service_goes_and_aggregate_siblings_survive_each_other()
    {
        _ns.Ip("link add kube-lb0 type bridge");
        Start();
        _announcer.Set("default/a", [R("198.51.100.5/32")]);
        _announcer.Set("default/b", [R("198.51.100.5/32")]);
        await AssertOnLink(["198.51.100.5/32"]);
        _announcer.Remove("default/a");
        await Task.Delay(100);
        await AssertOnLink(["198.51.100.5/32"]);
        _announcer.Remove("default/b");
        await AssertOnLink([]);

        // Two Services in one aggregated /24: the first address is the primary, the second a secondary that the
        // kernel deletes along with the primary (no promote_secondaries); the announcer puts it back.
        _announcer.Set("default/c", [R("198.51.100.70/24")]);
        _announcer.Set("default/d", [R("198.51.100.80/24")]);
        await AssertOnLink(["198.51.100.70/24", "198.51.100.80/24"]);
        _announcer.Remove("default/c");
        await AssertOnLink(["198.51.100.80/24"]);
        Assert.Contains("198.51.100.0/24 dev kube-lb0", _ns.Ip("-4 route show"), StringComparison.Ordinal);
        _announcer.Remove("default/d");
        await AssertOnLink([]);
    }

    [Fact]
    public async Task Address_deleted_by_hand_is_back_within_a_second_and_the_link_is_kept_up()
    {
        _ns.Ip("link add kube-lb0 type bridge");
        _announcer.Set("default/a", [R("198.51.100.5/32"), R("2001:db8:5::5/128")]);
        Start();
        await AssertOnLink(["198.51.100.5/32", "2001:db8:5::5/128"]);

        _ns.Ip("addr del 198.51.100.5/32 dev kube-lb0");
        _ns.Ip("addr del 2001:db8:5::5/128 dev kube-lb0");
        await AssertOnLink(["198.51.100.5/32", "2001:db8:5::5/128"]);

        _ns.Ip("addr add 203.0.113.1/32 dev kube-lb0");
        await AssertOnLink(["198.51.100.5/32", "2001:db8:5::5/128"]);

        _ns.Ip("link set kube-lb0 down");
        var deadline = DateTime.UtcNow + Quick;
        while (!LinkUp() && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.True(LinkUp());
        await AssertOnLink(["198.51.100.5/32", "2001:db8:5::5/128"]);
    }

    [Fact]
    public async Task Missing_link_is_created_or_reported_and_addresses_follow_once_it_exists()
    {
        _announcer.Set("default/a", [R("198.51.100.5/32")]);
        Start();
        var deadline = DateTime.UtcNow + Quick;
        while (_announcer.Status is { LinkReady: false, LastError: null } && DateTime.UtcNow < deadline) await Task.Delay(10);
        var status = _announcer.Status;
        if (!status.LinkReady)
        {
            // No dummy type here: a clear error, and a retry that picks up the link once someone makes it.
            Assert.Contains("kube-lb0", status.LastError);
            Assert.Contains("cannot be created", status.LastError);
            Assert.Empty(OnLink());
            _ns.Ip("link add kube-lb0 type bridge");
        }
        await AssertOnLink(["198.51.100.5/32"]);
        Assert.True(_announcer.Status.LinkReady);
        Assert.Null(_announcer.Status.LastError);

        // The link vanishes and comes back (made by someone else): the address is restored.
        _ns.Ip("link del kube-lb0");
        await Task.Delay(50);
        if (!_ns.Ip("link show").Contains("kube-lb0", StringComparison.Ordinal)) _ns.Ip("link add kube-lb0 type bridge");
        await AssertOnLink(["198.51.100.5/32"]);
        Assert.True(LinkUp());
    }

    [Fact]
    public async Task Withdraw_all_empties_the_link()
    {
        _ns.Ip("link add kube-lb0 type bridge");
        _announcer.Set("default/a", [R("198.51.100.5/32")]);
        _announcer.Set("default/b", [R("2001:db8:5::5/128")]);
        Start();
        await AssertOnLink(["198.51.100.5/32", "2001:db8:5::5/128"]);
        _announcer.WithdrawAll();
        await AssertOnLink([]);
        Assert.Empty(_announcer.Desired);
    }

    [Fact]
    public async Task Configuring_another_dummy_interface_moves_the_addresses_and_leaves_the_old_link_in_place()
    {
        _ns.Ip("link add kube-lb0 type bridge");
        _ns.Ip("link add plb-rem1 type bridge");
        _announcer.Set("default/a", [R("198.51.100.5/32"), R("2001:db8:5::5/128")]);
        Start();
        await AssertOnLink(["198.51.100.5/32", "2001:db8:5::5/128"]);

        _announcer.Configure(_announcer.Options with { LinkName = "plb-rem1" });
        await AssertOnLink([]);
        Assert.Contains("kube-lb0", _ns.Ip("link show"), StringComparison.Ordinal);
        Assert.Equal(["198.51.100.5/32", "2001:db8:5::5/128"],
            _ns.Addresses("plb-rem1").Where(a => a.GetProperty("scope").GetString() == "global")
                .Select(a => $"{a.GetProperty("local").GetString()}/{a.GetProperty("prefixlen").GetInt32()}").Order(StringComparer.Ordinal));
        Assert.Equal("plb-rem1", _announcer.LinkName);
    }

    [Fact]
    public async Task Address_options_from_the_node_agent_apply_to_held_addresses()
    {
        _ns.Ip("link add kube-lb0 type bridge");
        _announcer.Set("default/a", [R("198.51.100.5/24")]);
        Start();
        await AssertOnLink(["198.51.100.5/24"]);
        Assert.Contains("198.51.100.0/24 dev kube-lb0", _ns.Ip("-4 route show"), StringComparison.Ordinal);

        _announcer.Configure(_announcer.Options with { AddressOptions = AddressOptions.ForDummy(new InterfaceAddressConfig(ValidLifetime: 600, NoPrefixRoute: true)) });
        var deadline = DateTime.UtcNow + Quick;
        while (_ns.Ip("-4 route show").Contains("198.51.100.0/24 dev kube-lb0", StringComparison.Ordinal) && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.DoesNotContain("198.51.100.0/24 dev kube-lb0", _ns.Ip("-4 route show"), StringComparison.Ordinal);
        var a = _ns.Addresses("kube-lb0").Single(x => x.GetProperty("local").GetString() == "198.51.100.5");
        Assert.InRange(a.GetProperty("valid_life_time").GetInt64(), 500, 600);
    }

    [Fact]
    public async Task The_bgp_ipv6_next_hop_follows_the_nodes_global_ipv6_address()
    {
        _ns.Ip("link add kube-lb0 type bridge");
        // A veth pair with both ends up has carrier, like a node's uplink.
        _ns.Ip("link add plb-up0 type veth peer name plb-up1");
        _ns.Ip("link set plb-up1 up");
        _ns.Ip("link set plb-up0 up");
        _ns.Ip("addr add 2001:db8:77::1/64 dev plb-up0 nodad");
        var bgp = new Purelb.Bgp.BgpAnnouncer(new Purelb.Bgp.BgpAnnouncerOptions());
        var announcer = new RemoteAnnouncer(_rt, new RemoteAnnouncerOptions { Namespace = _ns.Namespace }, bgp);
        announcer.Set("default/v6", [R("2001:db8:5::5/128")]);
        var loop = Task.Run(() => announcer.RunAsync(_stop.Token));
        try
        {
            await AssertEventually(() => Equals(bgp.Ipv6NextHop, IPAddress.Parse("2001:db8:77::1")));
            // Our own IPv6 VIP on the dummy interface is never the next hop.
            Assert.Equal(IPAddress.Parse("2001:db8:77::1"), announcer.Ipv6NextHop);

            // The node is renumbered: the next hop follows without a restart.
            _ns.Ip("addr add 2001:db8:78::1/64 dev plb-up0 nodad");
            _ns.Ip("addr del 2001:db8:77::1/64 dev plb-up0");
            await AssertEventually(() => Equals(bgp.Ipv6NextHop, IPAddress.Parse("2001:db8:78::1")));

            // A configured next hop wins over the detected one.
            announcer.Configure(announcer.Options with { Ipv6NextHop = IPAddress.Parse("2001:db8:99::9") });
            await AssertEventually(() => Equals(bgp.Ipv6NextHop, IPAddress.Parse("2001:db8:99::9")));
        }
        finally
        {
            await _stop.CancelAsync();
            await loop;
        }
    }

    private static async Task AssertEventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Quick;
        while (!condition() && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.True(condition());
    }
}
