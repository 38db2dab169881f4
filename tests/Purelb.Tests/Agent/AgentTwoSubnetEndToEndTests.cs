using System.Net;
using Purelb.Election;
using Xunit;

namespace Purelb.Tests.Agent;

/// <summary>
/// A 4-node lab with a second LAN: node1 and node2 have eth0 and eth1 both on the first LAN (192.0.2.0/24);
/// node3 and node4 have eth0 on the first LAN (for the control plane) and eth1 on the second (203.0.113.0/24),
/// which carries their IPv4 default route, so by default they advertise the second subnet only.
/// </summary>
public sealed class TwoSubnetLabFixture : IAsyncLifetime
{
    public const string SubnetB = "203.0.113.0/24";

    public AgentLab Lab { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Lab = await AgentLab.StartAsync(4, net =>
        {
            net.AddBridge("br1");
            for (int i = 0; i < 4; i++)
            {
                var node = net.Nodes[i];
                // Two interfaces on one LAN: each answers ARP only for its own addresses, and replies may come in
                // on either, so no reverse-path filtering.
                foreach (var key in new[] { "all", "default", "eth0" }) node.Namespace.Sysctl($"net.ipv4.conf.{key}.rp_filter", "0");
                node.Namespace.Sysctl("net.ipv4.conf.all.arp_ignore", "1");
                if (i < 2) net.AddInterface(node, "eth1", "br0", $"192.0.2.{31 + i}/24");
                else net.AddInterface(node, "eth1", "br1", $"203.0.113.{11 + i}/24", defaultGatewayV4: "203.0.113.254");
                node.Namespace.Sysctl("net.ipv4.conf.eth1.rp_filter", "0");
            }
        });
        Lab.Create(AgentLab.Json($$$"""
            {"apiVersion":"purelb.io/v2","kind":"ServiceGroup","metadata":{"name":"multi","namespace":"{{{AgentLab.InstallNamespace}}}"},
             "spec":{"local":{"multiPool":true,"v4pools":[
                {"pool":"192.0.2.150-192.0.2.159","subnet":"192.0.2.0/24","aggregation":"default"},
                {"pool":"203.0.113.100-203.0.113.109","subnet":"{{{SubnetB}}}","aggregation":"default"}]} } }
            """));
    }

    public async Task DisposeAsync()
    {
        if (Lab is not null) await Lab.DisposeAsync();
    }
}

[Trait("Category", "EndToEnd")]
public sealed class AgentTwoSubnetEndToEndTests(TwoSubnetLabFixture fixture) : IClassFixture<TwoSubnetLabFixture>
{
    private AgentLab Lab => fixture.Lab;
    private static readonly string[] SubnetANodes = ["node1", "node2"];
    private static readonly string[] SubnetBNodes = ["node3", "node4"];

    private void Svc(string name, string annotations = "") => Lab.Create(AgentLab.Json($$$"""
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"{{{name}}}","namespace":"default","annotations":{ {{{annotations}}} }},
         "spec":{"type":"LoadBalancer","ports":[{"port":80,"protocol":"TCP"}],"selector":{"app":"{{{name}}}"} } }
        """));

    private string LeaseSubnets(string node) =>
        AgentLab.Annotation(Lab.Api.GetObject("coordination.k8s.io/v1", "Lease", AgentLab.InstallNamespace, "purelb-node-" + node), "purelb.io/subnets") ?? "";

    [Fact]
    public async Task MultiPool_service_gets_an_address_per_subnet_each_held_by_the_winner_among_that_subnets_nodes()
    {
        await Lab.WaitForAllAgentsAsync();
        Assert.All(SubnetBNodes, n => Assert.DoesNotContain("192.0.2.0/24", LeaseSubnets(n)));
        Assert.All(SubnetBNodes, n => Assert.Contains(TwoSubnetLabFixture.SubnetB, LeaseSubnets(n)));

        using var captureA = Frames.Capture(Lab.Net.Lan.Name, "br0");
        using var captureB = Frames.Capture(Lab.Net.Lan.Name, "br1");
        Svc("mp", "\"purelb.io/service-group\":\"multi\"");
        var ips = await Lab.IngressAsync("mp", 2);
        var a = ips.Single(i => i.ToString().StartsWith("192.0.2.", StringComparison.Ordinal));
        var b = ips.Single(i => i.ToString().StartsWith("203.0.113.", StringComparison.Ordinal));
        var framesA = Frames.ReceiveAsync(captureA, 10, f => f.Any(x => Frames.IsGarpFor(x, a)));
        var framesB = Frames.ReceiveAsync(captureB, 10, f => f.Any(x => Frames.IsGarpFor(x, b)));
        var winA = WinnerSelector.Winner(ElectionKey.Format(a), SubnetANodes)!;
        var winB = WinnerSelector.Winner(ElectionKey.Format(b), SubnetBNodes)!;

        await Lab.EventuallyAsync(() => Lab.Placements(a), p => p.SequenceEqual([$"{winA}/eth0"]), $"{a} only on {winA}/eth0");
        await Lab.EventuallyAsync(() => Lab.Placements(b), p => p.SequenceEqual([$"{winB}/eth1"]), $"{b} only on {winB}/eth1");
        await Task.Delay(300);
        Assert.Equal([$"{winA}/eth0"], Lab.Placements(a));
        Assert.Equal([$"{winB}/eth1"], Lab.Placements(b));
        await Lab.EventuallyAsync(() => AgentLab.Annotation(Lab.GetService("mp"), "purelb.io/announcing-IPv4"),
            v => v == $"{winA},eth0,{a} {winB},eth1,{b}", "both entries in announcing-IPv4");

        Assert.Contains(await framesA, f => Frames.IsGarpFor(f, a) && Frames.SourceMac(f) == AgentLab.Mac(Lab.Node(winA), "eth0"));
        Assert.Contains(await framesB, f => Frames.IsGarpFor(f, b) && Frames.SourceMac(f) == AgentLab.Mac(Lab.Node(winB), "eth1"));

        Lab.DeleteService("mp");
        await Lab.EventuallyAsync(() => Lab.Placements(a).Concat(Lab.Placements(b)).ToList(), p => p.Count == 0, "both withdrawn everywhere");
    }

    [Fact]
    public async Task Changing_the_LBNodeAgent_interface_moves_the_address_to_the_new_interface_and_back()
    {
        await Lab.WaitForAllAgentsAsync();
        Svc("mv");
        var ip = (await Lab.IngressAsync("mv", 1))[0];
        var winner = WinnerSelector.Winner(ElectionKey.Format(ip), SubnetANodes)!;
        await Lab.EventuallyAsync(() => Lab.Placements(ip), p => p.SequenceEqual([$"{winner}/eth0"]), $"{ip} on {winner}/eth0");

        var eth1Mac = AgentLab.Mac(Lab.Node(winner), "eth1");
        using var capture = Frames.Capture(Lab.Net.Lan.Name, "br0");
        var frames = Frames.ReceiveAsync(capture, 15, f => f.Any(x => Frames.IsGarpFor(x, ip) && Frames.SourceMac(x) == eth1Mac));
        Lab.Create(AgentLab.Json($$$"""
            {"apiVersion":"purelb.io/v2","kind":"LBNodeAgent","metadata":{"name":"eth1only","namespace":"{{{AgentLab.InstallNamespace}}}"},
             "spec":{"local":{"localInterface":"^eth1$"} } }
            """));
        try
        {
            await Lab.EventuallyAsync(() => Lab.Placements(ip), p => p.SequenceEqual([$"{winner}/eth1"]), $"{ip} moved to {winner}/eth1 and off eth0");
            await Task.Delay(300);
            Assert.Equal([$"{winner}/eth1"], Lab.Placements(ip));
            await Lab.EventuallyAsync(() => AgentLab.Annotation(Lab.GetService("mv"), "purelb.io/announcing-IPv4"), v => v == $"{winner},eth1,{ip}", "announcing-IPv4 naming eth1");
            Assert.Contains(await frames, f => Frames.IsGarpFor(f, ip) && Frames.SourceMac(f) == eth1Mac);
        }
        finally
        {
            Lab.DeleteObject("purelb.io", "v2", "LBNodeAgent", AgentLab.InstallNamespace, "eth1only");
        }
        await Lab.EventuallyAsync(() => Lab.Placements(ip), p => p.SequenceEqual([$"{winner}/eth0"]), $"{ip} back on {winner}/eth0");
        Lab.DeleteService("mv");
        await Lab.EventuallyAsync(() => Lab.Placements(ip), p => p.Count == 0, $"{ip} withdrawn");
    }
}
