using System.Net;
using Purelb.Tests.Agent;
using Xunit;

namespace Purelb.Tests.RemoteAnnounce;

/// <summary>
/// Remote addresses end to end through the real processes only: Services, ServiceGroups, EndpointSlices and
/// LBNodeAgents go into the in-repo API server; the allocator assigns; each node's `purelb agent` puts the address on
/// kube-lb0 and announces it through that node's gobgpd; every routing assertion reads bird's kernel table.
/// Generous convergence limits, no timing assertions (figures are in the `remote` benchmark).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class RemoteBgpAgentEndToEndTests(RemoteBgpAgentLabFixture fixture) : IClassFixture<RemoteBgpAgentLabFixture>
{
    private RemoteBgpAgentLab Lab => fixture.Lab;

    private async Task<(IPAddress V4, IPAddress? V6)> AddressesAsync(string service, int count)
    {
        var ips = await Lab.Agents.IngressAsync(service, count);
        return (ips.First(i => i.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork),
            ips.FirstOrDefault(i => i.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6));
    }

    [Fact]
    public async Task Cluster_policy_dual_stack_service_gets_an_ecmp_route_over_all_three_nodes_per_family_and_loses_it_on_delete()
    {
        Lab.Service("rb-cluster", RemoteBgpAgentLab.RemoteGroup, dualStack: true);
        var (v4, v6) = await AddressesAsync("rb-cluster", 2);
        Assert.StartsWith("198.51.100.", v4.ToString(), StringComparison.Ordinal);
        Assert.NotNull(v6);
        var all = Lab.Nodes.Select(n => n.Name).ToList();

        await Lab.RouteIsAsync($"{v4}/32", Lab.V4Of(1, 2, 3));
        // IPv6 next hop = each node's global address, over IPv4 peerings; node3 has no IPv6 default route (§9 item 6).
        await Lab.RouteIsAsync($"{v6}/128", Lab.V6Of(1, 2, 3));
        Assert.Equal(all, Lab.KubeLb0Holders(v4, 32));
        Assert.Equal(all, Lab.KubeLb0Holders(v6!, 128));
        Assert.Empty(Lab.Agents.HoldersOf(v4)); // never on eth0: no election for remote addresses

        Lab.Agents.DeleteService("rb-cluster");
        await Lab.RouteIsAsync($"{v4}/32", []);
        await Lab.RouteIsAsync($"{v6}/128", []);
        await Lab.EventuallyAsync(() => Lab.KubeLb0Holders(v4, 32), h => h.Count == 0, $"{v4} gone from every kube-lb0", 15);
    }

    [Fact]
    public async Task Local_policy_service_is_routed_only_to_nodes_with_a_ready_endpoint_and_follows_it()
    {
        Lab.Service("rb-local", RemoteBgpAgentLab.RemoteGroup, policy: "Local");
        var (v4, _) = await AddressesAsync("rb-local", 1);
        var n2 = Lab.Nodes[1].Name;
        var n3 = Lab.Nodes[2].Name;

        Lab.EndpointSlice("rb-local-a", "rb-local", n2);
        await Lab.RouteIsAsync($"{v4}/32", Lab.V4Of(2));
        Assert.Equal([n2], Lab.KubeLb0Holders(v4, 32));

        // The endpoint moves from node2 to node3.
        Lab.EndpointSlice("rb-local-b", "rb-local", n3);
        Lab.DeleteEndpointSlice("rb-local-a");
        await Lab.RouteIsAsync($"{v4}/32", Lab.V4Of(3));
        Assert.Equal([n3], Lab.KubeLb0Holders(v4, 32));

        // No endpoint anywhere: the route goes entirely.
        Lab.DeleteEndpointSlice("rb-local-b");
        await Lab.RouteIsAsync($"{v4}/32", []);
        Lab.Agents.DeleteService("rb-local");
    }

    [Fact]
    public async Task Default_aggregation_announces_the_pool_subnet_while_any_service_in_it_lives()
    {
        Lab.Service("rb-agg-a", RemoteBgpAgentLab.AggregateGroup);
        Lab.Service("rb-agg-b", RemoteBgpAgentLab.AggregateGroup);
        var (a, _) = await AddressesAsync("rb-agg-a", 1);
        var (b, _) = await AddressesAsync("rb-agg-b", 1);
        var subnet = RemoteBgpAgentLab.AggregateV4Subnet;

        await Lab.RouteIsAsync(subnet, Lab.V4Of(1, 2, 3));
        Assert.Empty(Lab.Router.NextHops($"{a}/32"));
        Assert.Equal(Lab.Nodes.Select(n => n.Name), Lab.KubeLb0Holders(a, 25));

        Lab.Agents.DeleteService("rb-agg-a");
        await Lab.EventuallyAsync(() => Lab.KubeLb0Holders(a, 25), h => h.Count == 0, $"{a} gone from kube-lb0", 15);
        Assert.Equal(Lab.V4Of(1, 2, 3), Lab.Router.NextHops(subnet));
        Assert.Equal(Lab.Nodes.Select(n => n.Name), Lab.KubeLb0Holders(b, 25));

        Lab.Agents.DeleteService("rb-agg-b");
        await Lab.RouteIsAsync(subnet, []);
    }

    [Fact]
    public async Task A_killed_sidecar_loses_only_its_next_hop_and_gets_everything_back_when_restarted_under_the_running_agent()
    {
        Lab.Service("rb-restart", RemoteBgpAgentLab.RemoteGroup, dualStack: true);
        var (v4, v6) = await AddressesAsync("rb-restart", 2);
        await Lab.RouteIsAsync($"{v4}/32", Lab.V4Of(1, 2, 3));
        await Lab.RouteIsAsync($"{v6}/128", Lab.V6Of(1, 2, 3));
        var agentBefore = Lab.Agents.Agents[Lab.Nodes[1].Name];

        Lab.Router.KillSidecar(Lab.Nodes[1]);
        await Lab.RouteIsAsync($"{v4}/32", Lab.V4Of(1, 3));
        Lab.Router.StartSidecar(Lab.Nodes[1]);
        await Lab.WaitForPeersAsync();
        await Lab.RouteIsAsync($"{v4}/32", Lab.V4Of(1, 2, 3), 60);
        await Lab.RouteIsAsync($"{v6}/128", Lab.V6Of(1, 2, 3), 30);
        Assert.False(agentBefore.HasExited);
        Assert.Same(agentBefore, Lab.Agents.Agents[Lab.Nodes[1].Name]);

        Lab.Agents.DeleteService("rb-restart");
        await Lab.RouteIsAsync($"{v4}/32", []);
    }

    [Fact]
    public async Task LBNodeAgent_netlink_import_mode_withdraws_the_api_paths_but_keeps_kube_lb0_and_switching_back_reannounces()
    {
        Lab.Service("rb-mode", RemoteBgpAgentLab.RemoteGroup);
        var (v4, _) = await AddressesAsync("rb-mode", 1);
        await Lab.RouteIsAsync($"{v4}/32", Lab.V4Of(1, 2, 3));
        var all = Lab.Nodes.Select(n => n.Name).ToList();
        try
        {
            // k8gobgp's netlink import would take over here; our sidecars have none, so the route must go.
            Lab.NodeAgent("rb-mode", """{"mode":"netlinkImport"}""");
            await Lab.RouteIsAsync($"{v4}/32", []);
            Assert.Equal(all, Lab.KubeLb0Holders(v4, 32));
        }
        finally
        {
            Lab.DeleteNodeAgent("rb-mode");
        }
        await Lab.RouteIsAsync($"{v4}/32", Lab.V4Of(1, 2, 3));
        Lab.Agents.DeleteService("rb-mode");
        await Lab.RouteIsAsync($"{v4}/32", []);
    }

    [Fact]
    public async Task Nodes_no_LBNodeAgent_selects_hold_and_announce_no_remote_address()
    {
        Lab.Service("rb-select", RemoteBgpAgentLab.RemoteGroup);
        var (v4, _) = await AddressesAsync("rb-select", 1);
        await Lab.RouteIsAsync($"{v4}/32", Lab.V4Of(1, 2, 3));
        var chosen = Lab.Nodes[0].Name;
        Lab.Agents.MergePatch("", "v1", "Node", null, chosen, """{"metadata":{"labels":{"purelb-test/bgp":"yes"}}}""");
        try
        {
            Lab.Agents.Create(AgentLab.Json($$$"""
                {"apiVersion":"purelb.io/v2","kind":"LBNodeAgent","metadata":{"name":"rb-select","namespace":"{{{AgentLab.InstallNamespace}}}"},
                 "spec":{"nodeSelector":{"matchLabels":{"purelb-test/bgp":"yes"}},"local":{"localInterface":"default"} } }
                """));
            await Lab.RouteIsAsync($"{v4}/32", Lab.V4Of(1));
            await Lab.EventuallyAsync(() => Lab.KubeLb0Holders(v4, 32), h => h.SequenceEqual([chosen]), $"{v4} only on {chosen}'s kube-lb0", 20);
        }
        finally
        {
            Lab.Agents.DeleteObject("purelb.io", "v2", "LBNodeAgent", AgentLab.InstallNamespace, "rb-select");
            Lab.Agents.MergePatch("", "v1", "Node", null, chosen, """{"metadata":{"labels":{"purelb-test/bgp":null}}}""");
        }
        await Lab.RouteIsAsync($"{v4}/32", Lab.V4Of(1, 2, 3));
        Lab.Agents.DeleteService("rb-select");
        await Lab.RouteIsAsync($"{v4}/32", []);
    }
}
