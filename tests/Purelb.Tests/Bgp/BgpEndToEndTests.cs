using System.Net;
using Purelb.Bgp;
using Xunit;

namespace Purelb.Tests.Bgp;

/// <summary>
/// The announcer against real daemons: three node namespaces, each with Debian's gobgpd (API v3) as the
/// sidecar, and bird2 as the upstream router. Every assertion reads the router's kernel table.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class BgpEndToEndTests(BgpLabFixture fixture) : IClassFixture<BgpLabFixture>
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(5);
    private readonly BgpLab _lab = fixture.Lab;

    private IPAddress[] V4Of(params int[] nodes) => nodes.Select(i => _lab.Nodes[i - 1].Ipv4).ToArray();

    private IPAddress[] V6Of(params int[] nodes) => nodes.Select(i => _lab.Nodes[i - 1].Ipv6).ToArray();

    private async Task AssertNextHops(IPNetwork prefix, IPAddress[] expected, TimeSpan? timeout = null)
    {
        var got = await _lab.WaitForNextHopsAsync(prefix, expected, timeout ?? Converge);
        Assert.Equal(expected.Select(a => a.ToString()).Order(StringComparer.Ordinal), got.Select(a => a.ToString()));
    }

    [Fact]
    public async Task Client_detects_v3_and_adds_lists_and_deletes_paths_on_a_real_gobgpd()
    {
        var node = _lab.Nodes[0];
        using var client = await GobgpClient.ConnectAsync(node.Endpoint);
        Assert.Equal(GobgpApiVersion.V3, client.Version);
        Assert.Equal((uint)BgpLab.NodeAs, client.GlobalAtConnect.Asn);

        var peer = Assert.Single(await client.ListPeerAsync());
        Assert.Equal(BgpLab.RouterIpv4.ToString(), peer.Address);
        Assert.Equal(BgpSessionState.Established, peer.State);
        Assert.Equal(node.Ipv4.ToString(), peer.LocalAddress);

        var v4 = new BgpRoute(IPNetwork.Parse("198.51.100.40/32"), BgpRoute.Ipv4NextHopSelf);
        var v6 = new BgpRoute(IPNetwork.Parse("2001:db8:100::40/128"), node.Ipv6);
        await client.AddPathAsync(v4);
        await client.AddPathAsync(v6);
        await AssertNextHops(v4.Prefix, V4Of(1));
        await AssertNextHops(v6.Prefix, V6Of(1));

        // What ListPath reports must compare equal to what we sent, or every resync would re-add the path.
        var listed4 = Assert.Single(await client.ListPathAsync(System.Net.Sockets.AddressFamily.InterNetwork), p => p.Prefix == v4.Prefix);
        Assert.True(listed4.IsOwnedByApi);
        Assert.Equal(v4.NextHop, listed4.NextHop);
        var listed6 = Assert.Single(await client.ListPathAsync(System.Net.Sockets.AddressFamily.InterNetworkV6), p => p.Prefix == v6.Prefix);
        Assert.True(listed6.IsOwnedByApi);
        Assert.Equal(v6.NextHop, listed6.NextHop);

        await client.DeletePathAsync(v4);
        await client.DeletePathAsync(v4); // idempotent
        await client.DeletePathAsync(v6);
        await client.DeletePathAsync(new BgpRoute(IPNetwork.Parse("198.51.100.41/32"), IPAddress.Any)); // never added
        await AssertNextHops(v4.Prefix, []);
        await AssertNextHops(v6.Prefix, []);
        Assert.DoesNotContain(await client.ListPathAsync(System.Net.Sockets.AddressFamily.InterNetwork), p => p.Prefix == v4.Prefix);

        // The peer watch replays the current peer, then marks the end of the replay.
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var seen = new List<BgpPeerEvent>();
        await foreach (var e in client.WatchPeerEventsAsync(cts.Token))
        {
            seen.Add(e);
            if (e.Kind == BgpPeerEventKind.EndOfInit) break;
        }
        Assert.Contains(seen, e => e.Kind == BgpPeerEventKind.Init && e.Peer?.Address == BgpLab.RouterIpv4.ToString());
    }

    [Fact]
    public async Task Prefix_announced_by_all_nodes_becomes_an_ecmp_route_and_goes_away_on_withdrawal()
    {
        var v4 = IPNetwork.Parse("198.51.100.10/32");
        var v6 = IPNetwork.Parse("2001:db8:100::10/128");
        await using var nodes = _lab.StartAnnouncers();

        nodes.SetAll("default/web", v4, v6);

        await AssertNextHops(v4, V4Of(1, 2, 3));
        await AssertNextHops(v6, V6Of(1, 2, 3));
        // The generation is part of a session's status; a session that is reconnecting reports none for that moment
        // (seen once in CI right after the routes converged), so wait for every announcer's current session.
        for (var clock = System.Diagnostics.Stopwatch.StartNew();
             clock.Elapsed < TimeSpan.FromSeconds(10) && !nodes.Announcers.All(a => a.Status.Version == GobgpApiVersion.V3);)
            await Task.Delay(50);
        Assert.All(nodes.Announcers, a => Assert.Equal(GobgpApiVersion.V3, a.Status.Version));

        nodes.RemoveAll("default/web");

        await AssertNextHops(v4, []);
        await AssertNextHops(v6, []);
    }

    [Fact]
    public async Task Only_the_nodes_that_announce_are_next_hops_and_the_set_follows_changes()
    {
        var v4 = IPNetwork.Parse("198.51.100.20/32");
        await using var nodes = _lab.StartAnnouncers();

        nodes[1].Set("default/local", [v4]);
        nodes[3].Set("default/local", [v4]);
        await AssertNextHops(v4, V4Of(1, 3));

        nodes[2].Set("default/local", [v4]);
        await AssertNextHops(v4, V4Of(1, 2, 3));

        nodes[1].Remove("default/local");
        await AssertNextHops(v4, V4Of(2, 3));

        nodes.RemoveAll("default/local");
        await AssertNextHops(v4, []);
    }

    [Fact]
    public async Task Aggregate_prefix_stays_while_any_service_holds_it_and_no_host_route_appears()
    {
        var pool = IPNetwork.Parse("198.51.100.64/26");
        await using var nodes = _lab.StartAnnouncers();

        // Two Services with addresses in the pool; with the pool's aggregation both map to the same prefix.
        nodes.SetAll("default/a", pool);
        nodes.SetAll("default/b", pool);
        await AssertNextHops(pool, V4Of(1, 2, 3));
        Assert.Empty(await _lab.RouterNextHopsAsync(IPNetwork.Parse("198.51.100.65/32")));

        nodes.RemoveAll("default/a");
        await Task.Delay(200);
        await AssertNextHops(pool, V4Of(1, 2, 3), TimeSpan.Zero);

        nodes.RemoveAll("default/b");
        await AssertNextHops(pool, []);
    }

    [Fact]
    public async Task Killed_and_restarted_gobgpd_gets_its_paths_back()
    {
        var v4 = IPNetwork.Parse("198.51.100.30/32");
        var v6 = IPNetwork.Parse("2001:db8:100::30/128");
        await using var nodes = _lab.StartAnnouncers();
        nodes.SetAll("default/db", v4, v6);
        await AssertNextHops(v4, V4Of(1, 2, 3));
        await AssertNextHops(v6, V6Of(1, 2, 3));
        var sessionsBefore = nodes[2].Status.Sessions;

        await _lab.KillNodeDaemonAsync(2);
        await AssertNextHops(v4, V4Of(1, 3));

        await _lab.StartNodeDaemonAsync(2);
        // Peering has to come up again (bird retries every second) before the router can learn anything.
        await AssertNextHops(v4, V4Of(1, 2, 3), TimeSpan.FromSeconds(20));
        await AssertNextHops(v6, V6Of(1, 2, 3));
        Assert.True(nodes[2].Status.Sessions > sessionsBefore, "the announcer should have reconnected");

        nodes.RemoveAll("default/db");
        await AssertNextHops(v4, []);
        await AssertNextHops(v6, []);
    }

    [Fact]
    public async Task Route_monitor_sees_the_route_come_and_go()
    {
        var v4 = IPNetwork.Parse("198.51.100.50/32");
        await using var monitor = await RouterRouteMonitor.StartAsync(_lab);
        await using var nodes = _lab.StartAnnouncers();

        nodes.SetAll("default/mon", v4);
        await monitor.WaitAsync(v4, V4Of(1, 2, 3), Converge);
        Assert.Equal(3, (await _lab.RouterNextHopsAsync(v4)).Count);

        nodes.RemoveAll("default/mon");
        await monitor.WaitAsync(v4, [], Converge);
        Assert.Empty(await _lab.RouterNextHopsAsync(v4));
    }
}
