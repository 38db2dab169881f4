using System.Net;
using k8s.Models;
using Purelb.Bgp;
using Purelb.Kube.Agent;
using Purelb.Modes.Agent.Model;
using Purelb.Modes.Agent.Remote;
using Purelb.Netlink;
using Purelb.Tests.Bgp;
using Xunit;

namespace Purelb.Tests.RemoteAnnounce;

/// <summary>
/// Remote addresses end to end: three lab nodes, each with kube-lb0 (a bridge: no dummy type on this kernel), a
/// <see cref="RemoteAnnouncer"/> driven from the test process over that node's rtnetlink, and a
/// <see cref="BgpAnnouncer"/> on that node's gobgpd; bird2 is the upstream router, and every routing assertion reads
/// its kernel table.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class RemoteBgpEndToEndTests(BgpLabFixture fixture) : IClassFixture<BgpLabFixture>
{
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(5);
    private readonly BgpLab _lab = fixture.Lab;

    private IPAddress[] V4Of(params int[] nodes) => nodes.Select(i => _lab.Nodes[i - 1].Ipv4).ToArray();

    private IPAddress[] V6Of(params int[] nodes) => nodes.Select(i => _lab.Nodes[i - 1].Ipv6).ToArray();

    private async Task AssertNextHops(IPNetwork prefix, IPAddress[] expected)
    {
        var got = await _lab.WaitForNextHopsAsync(prefix, expected, Converge);
        Assert.Equal(expected.Select(a => a.ToString()).Order(StringComparer.Ordinal), got.Select(a => a.ToString()));
    }

    private static RemoteAddress R(string text)
    {
        var parts = text.Split('/');
        return new RemoteAddress(IPAddress.Parse(parts[0]), int.Parse(parts[1]));
    }

    [Fact]
    public async Task Cluster_policy_service_is_held_on_every_node_and_routed_over_all_three_then_withdrawn()
    {
        await using var nodes = await RemoteLabNodes.StartAsync(_lab);
        var v4 = R("198.51.100.110/32");
        var v6 = R("2001:db8:100::110/128");

        nodes.SetAll("default/web", v4, v6);

        await AssertNextHops(v4.Prefix, V4Of(1, 2, 3));
        await AssertNextHops(v6.Prefix, V6Of(1, 2, 3));
        foreach (var n in nodes.Nodes) Assert.Contains("198.51.100.110/32", await n.KubeLb0AddressesAsync());

        nodes.RemoveAll("default/web");

        await AssertNextHops(v4.Prefix, []);
        await AssertNextHops(v6.Prefix, []);
        foreach (var n in nodes.Nodes) Assert.DoesNotContain("198.51.100.110/32", await n.KubeLb0AddressesAsync());
    }

    [Fact]
    public async Task Local_policy_service_is_announced_only_by_nodes_with_ready_endpoints_and_follows_them()
    {
        await using var nodes = await RemoteLabNodes.StartAsync(_lab);
        var vip = R("198.51.100.120/32");
        var v6 = R("2001:db8:100::120/128");
        var svc = new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "local", NamespaceProperty = "default" },
            Spec = new V1ServiceSpec { Type = "LoadBalancer", ExternalTrafficPolicy = "Local" },
        };

        // What the agent's reconcile does per node: announce while EndpointReadiness says so.
        void Sync(params V1EndpointSlice[] slices)
        {
            foreach (var n in nodes.Nodes)
            {
                if (EndpointReadiness.ShouldAnnounce(svc, slices, n.NodeName)) n.Remote.Set("default/local", [vip, v6]);
                else n.Remote.Remove("default/local");
            }
        }

        Sync(Slice(("node1", true), ("node3", true), ("node2", false)));
        await AssertNextHops(vip.Prefix, V4Of(1, 3));
        await AssertNextHops(v6.Prefix, V6Of(1, 3));

        // The endpoint moves from node 1 to node 2.
        Sync(Slice(("node2", true), ("node3", true)));
        await AssertNextHops(vip.Prefix, V4Of(2, 3));
        await AssertNextHops(v6.Prefix, V6Of(2, 3));

        // Endpoints on node 3 go unready; zero endpoints withdraw the route entirely.
        Sync(Slice(("node2", true), ("node3", false)));
        await AssertNextHops(vip.Prefix, V4Of(2));
        Sync();
        await AssertNextHops(vip.Prefix, []);
        await AssertNextHops(v6.Prefix, []);
    }

    [Fact]
    public async Task Default_aggregation_announces_the_pool_subnet_while_any_service_holds_it_and_no_host_route()
    {
        await using var nodes = await RemoteLabNodes.StartAsync(_lab);
        var config = Purelb.Ipam.IpamConfig.Build([
            new Purelb.Ipam.ServiceGroupConfig("agg", "purelb-system",
                Remote: new Purelb.Ipam.ServiceGroupRemoteConfig(
                    V4Pools: [new Purelb.Ipam.AddressPoolConfig("198.51.100.192/27", "198.51.100.128/25", "default")],
                    V6Pools: [new Purelb.Ipam.AddressPoolConfig("2001:db8:200::/120", "2001:db8:200::/64", "default")])),
        ]);
        Assert.Empty(config.Problems);
        RemoteAddress Resolve(string ip)
        {
            Assert.Equal(RemoteResolution.Remote, RemotePoolResolver.Resolve(config, IPAddress.Parse(ip), "agg", out var r));
            return r;
        }
        var a = Resolve("198.51.100.200");
        var b = Resolve("198.51.100.201");
        var a6 = Resolve("2001:db8:200::5");
        Assert.Equal(IPNetwork.Parse("198.51.100.128/25"), a.Prefix);

        nodes.SetAll("default/a", a, a6);
        nodes.SetAll("default/b", b);

        await AssertNextHops(IPNetwork.Parse("198.51.100.128/25"), V4Of(1, 2, 3));
        await AssertNextHops(IPNetwork.Parse("2001:db8:200::/64"), V6Of(1, 2, 3));
        Assert.Empty(await _lab.RouterNextHopsAsync(IPNetwork.Parse("198.51.100.200/32")));
        foreach (var n in nodes.Nodes)
            Assert.Equal(["198.51.100.200/25", "198.51.100.201/25"], (await n.KubeLb0AddressesAsync()).Where(s => s.StartsWith("198.", StringComparison.Ordinal)));

        nodes.RemoveAll("default/a");
        await Task.Delay(300);
        await AssertNextHops(IPNetwork.Parse("198.51.100.128/25"), V4Of(1, 2, 3));
        await AssertNextHops(IPNetwork.Parse("2001:db8:200::/64"), []);
        foreach (var n in nodes.Nodes) Assert.Contains("198.51.100.201/25", await n.KubeLb0AddressesAsync());

        nodes.RemoveAll("default/b");
        await AssertNextHops(IPNetwork.Parse("198.51.100.128/25"), []);
    }

    private static V1EndpointSlice Slice(params (string Node, bool Ready)[] endpoints) => new()
    {
        AddressType = "IPv4",
        Metadata = new V1ObjectMeta
        {
            Name = "local-abcde",
            NamespaceProperty = "default",
            Labels = new Dictionary<string, string> { [EndpointReadiness.ServiceNameLabel] = "local" },
        },
        Endpoints = endpoints.Select((e, i) => new V1Endpoint
        {
            NodeName = e.Node,
            Addresses = [$"10.244.{i}.10"],
            Conditions = new V1EndpointConditions { Ready = e.Ready },
        }).ToList(),
    };
}

/// <summary>One lab node's remote side: kube-lb0 (re)made as a bridge, rtnetlink inside the node's namespace, a BGP
/// announcer on its gobgpd and a remote announcer feeding both.</summary>
public sealed class RemoteLabNode : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly NetworkNamespace _ns;
    private readonly RtNetlink _rt;
    private readonly Task _bgpLoop;
    private readonly Task _remoteLoop;

    private RemoteLabNode(BgpLabNode node)
    {
        NodeName = "node" + node.Index;
        Namespace = node.Namespace;
        _ns = NetworkNamespace.Open(node.Namespace);
        _rt = RtNetlink.Open(_ns);
        Bgp = new BgpAnnouncer(new BgpAnnouncerOptions { Endpoint = node.Endpoint, Ipv6NextHop = node.Ipv6 });
        Remote = new RemoteAnnouncer(_rt, new RemoteAnnouncerOptions { Namespace = _ns, RetryDelay = TimeSpan.FromMilliseconds(200) }, Bgp);
        _bgpLoop = Task.Run(() => Bgp.RunAsync(_stop.Token));
        _remoteLoop = Task.Run(() => Remote.RunAsync(_stop.Token));
    }

    public string NodeName { get; }
    public string Namespace { get; }
    public BgpAnnouncer Bgp { get; }
    public RemoteAnnouncer Remote { get; }

    public static async Task<RemoteLabNode> StartAsync(BgpLabNode node)
    {
        var links = await BgpLab.RunAsync(CancellationToken.None, "ip", "-n", node.Namespace, "-o", "link", "show");
        if (links.Contains(" kube-lb0:", StringComparison.Ordinal)) await BgpLab.RunAsync(CancellationToken.None, "ip", "-n", node.Namespace, "link", "del", "kube-lb0");
        await BgpLab.RunAsync(CancellationToken.None, "ip", "-n", node.Namespace, "link", "add", "kube-lb0", "type", "bridge");
        return new RemoteLabNode(node);
    }

    public async Task<string[]> KubeLb0AddressesAsync()
    {
        var text = await BgpLab.RunAsync(CancellationToken.None, "ip", "-n", Namespace, "-o", "addr", "show", "dev", "kube-lb0", "scope", "global");
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(f => f[Array.IndexOf(f, f.First(x => x is "inet" or "inet6")) + 1])
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        Remote.WithdrawAll();
        await _stop.CancelAsync();
        await Task.WhenAll(_bgpLoop, _remoteLoop);
        _rt.Dispose();
        _ns.Dispose();
        _stop.Dispose();
    }
}

public sealed class RemoteLabNodes : IAsyncDisposable
{
    private RemoteLabNodes(List<RemoteLabNode> nodes) => Nodes = nodes;

    public IReadOnlyList<RemoteLabNode> Nodes { get; }

    public static async Task<RemoteLabNodes> StartAsync(BgpLab lab)
    {
        var nodes = new List<RemoteLabNode>();
        foreach (var n in lab.Nodes) nodes.Add(await RemoteLabNode.StartAsync(n));
        return new RemoteLabNodes(nodes);
    }

    public void SetAll(string key, params RemoteAddress[] addresses)
    {
        foreach (var n in Nodes) n.Remote.Set(key, addresses);
    }

    public void RemoveAll(string key)
    {
        foreach (var n in Nodes) n.Remote.Remove(key);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var n in Nodes) await n.DisposeAsync();
    }
}
