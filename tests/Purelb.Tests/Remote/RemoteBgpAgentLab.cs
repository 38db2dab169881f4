using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using KubeApiServer;
using Purelb.Tests.Agent;
using Purelb.Tests.Bgp;
using Purelb.Tests.Harness;
using Xunit;

namespace Purelb.Tests.RemoteAnnounce;

/// <summary>
/// The whole remote path with real processes: the <see cref="AgentLab"/> cluster (in-repo API server, allocator, a
/// `purelb agent` per node) plus a <see cref="LanRouter"/> (bird2 on the LAN at the nodes' default gateway, a gobgpd
/// sidecar per node that each agent reaches through --bgp-endpoint). kube-lb0 is made by the lab as a bridge (this
/// kernel has no dummy type). node3 has no IPv6 default route, so the IPv6 assertions also cover agent.md §9 item 6
/// (remote addresses must not depend on a default route of their family).
/// </summary>
public sealed class RemoteBgpAgentLab : IAsyncDisposable
{
    public const string RemoteGroup = "remote";
    public const string AggregateGroup = "agg";
    public const string RemoteV4Pool = "198.51.100.0/28";
    public const string RemoteV6Pool = "2001:db8:100::/124";
    public const string AggregateV4Pool = "198.51.100.192/28";
    public const string AggregateV4Subnet = "198.51.100.128/25";

    private RemoteBgpAgentLab(AgentLab agents, LanRouter router)
    {
        Agents = agents;
        Router = router;
    }

    public AgentLab Agents { get; }
    public LanRouter Router { get; }
    public IReadOnlyList<ClusterNode> Nodes => Agents.Net.Nodes;

    public static async Task<RemoteBgpAgentLab> StartAsync()
    {
        LanRouter? router = null;
        try
        {
            var agents = await AgentLab.StartAsync(3, options: new AgentLabOptions(
                BeforeAgents: lab =>
                {
                    foreach (var node in lab.Net.Nodes)
                    {
                        node.Namespace.Ip("link", "add", "kube-lb0", "type", "bridge");
                        node.Namespace.Ip("link", "set", "kube-lb0", "up");
                    }
                    lab.Net.Nodes[2].Namespace.Ip("-6", "route", "del", "default");
                    lab.Create(AgentLab.Json($$$"""
                        {"apiVersion":"purelb.io/v2","kind":"ServiceGroup","metadata":{"name":"{{{RemoteGroup}}}","namespace":"{{{AgentLab.InstallNamespace}}}"},
                         "spec":{"remote":{"v4pool":{"pool":"{{{RemoteV4Pool}}}","subnet":"198.51.100.0/24","aggregation":"/32"},
                                           "v6pool":{"pool":"{{{RemoteV6Pool}}}","subnet":"2001:db8:100::/64","aggregation":"/128"} } } }
                        """));
                    lab.Create(AgentLab.Json($$$"""
                        {"apiVersion":"purelb.io/v2","kind":"ServiceGroup","metadata":{"name":"{{{AggregateGroup}}}","namespace":"{{{AgentLab.InstallNamespace}}}"},
                         "spec":{"remote":{"v4pool":{"pool":"{{{AggregateV4Pool}}}","subnet":"{{{AggregateV4Subnet}}}","aggregation":"default"} } } }
                        """));
                    router = new LanRouter(lab.Net, Path.Combine(lab.LogDirectory, "bgp"));
                    router.Start();
                    return Task.CompletedTask;
                },
                AgentArguments: node => ["--bgp-endpoint", router!.EndpointOf(node)],
                Prefix: "rb"));
            var lab = new RemoteBgpAgentLab(agents, router!);
            await lab.WaitForPeersAsync();
            return lab;
        }
        catch
        {
            router?.Dispose();
            throw;
        }
    }

    public async Task WaitForPeersAsync() =>
        await EventuallyAsync(() => Router.EstablishedPeers(), p => p.Count == Nodes.Count, "every sidecar Established with the router", 60);

    public IReadOnlyList<string> V4Of(params int[] nodes) => nodes.Select(i => Nodes[i - 1].AddressV4).Order(StringComparer.Ordinal).ToList();

    public IReadOnlyList<string> V6Of(params int[] nodes) =>
        nodes.Select(i => IPAddress.Parse(Nodes[i - 1].AddressV6).ToString()).Order(StringComparer.Ordinal).ToList();

    /// <summary>Waits until the router's kernel route for the prefix has exactly these gateways (none: no route).</summary>
    public Task<IReadOnlyList<string>> RouteIsAsync(string prefix, IReadOnlyList<string> hops, double seconds = 30) =>
        EventuallyAsync(() => Router.NextHops(prefix), h => h.SequenceEqual(hops), $"router route {prefix} via [{string.Join(", ", hops)}]", seconds);

    /// <summary>Nodes whose kube-lb0 holds exactly address/prefixLength.</summary>
    public IReadOnlyList<string> KubeLb0Holders(IPAddress ip, int prefixLength) =>
        Nodes.Where(n =>
        {
            var json = n.Namespace.Ip("-j", "addr", "show", "dev", "kube-lb0");
            return JsonNode.Parse(json)!.AsArray().SelectMany(l => l!["addr_info"]!.AsArray())
                .Any(a => (string?)a!["local"] == ip.ToString() && (int)a!["prefixlen"]! == prefixLength);
        }).Select(n => n.Name).ToList();

    public JsonObject Service(string name, string group, string policy = "Cluster", bool dualStack = false)
    {
        var families = dualStack ? ""","ipFamilyPolicy":"RequireDualStack","ipFamilies":["IPv4","IPv6"]""" : "";
        return Agents.Create(AgentLab.Json($$$"""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"{{{name}}}","namespace":"default","annotations":{"purelb.io/service-group":"{{{group}}}"}},
             "spec":{"type":"LoadBalancer","externalTrafficPolicy":"{{{policy}}}","ports":[{"port":80,"protocol":"TCP"}],"selector":{"app":"{{{name}}}"}{{{families}}}}}
            """));
    }

    public void EndpointSlice(string name, string service, string node) => Agents.Create(AgentLab.Json($$$"""
        {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"{{{name}}}","namespace":"default",
          "labels":{"kubernetes.io/service-name":"{{{service}}}"}},
         "addressType":"IPv4","ports":[{"port":80,"protocol":"TCP"}],
         "endpoints":[{"addresses":["10.244.9.10"],"nodeName":"{{{node}}}","conditions":{"ready":true}}]}
        """));

    public void DeleteEndpointSlice(string name) => Delete("discovery.k8s.io", "v1", "EndpointSlice", "default", name);

    public void NodeAgent(string name, string remoteAnnouncementJson) => Agents.Create(AgentLab.Json($$$"""
        {"apiVersion":"purelb.io/v2","kind":"LBNodeAgent","metadata":{"name":"{{{name}}}","namespace":"{{{AgentLab.InstallNamespace}}}"},
         "spec":{"local":{"remoteAnnouncement":{{{remoteAnnouncementJson}}} } } }
        """));

    public void DeleteNodeAgent(string name) => Delete("purelb.io", "v2", "LBNodeAgent", AgentLab.InstallNamespace, name);

    private void Delete(string group, string version, string kind, string ns, string name) =>
        Agents.Api.Delete(new Target(Agents.Api.Registry.InGroupVersion(group, version).First(t => t.Kind == kind), ns, name, null), null, new WriteOptions());

    /// <summary>Polls every 100 ms (each read spawns `ip`); the failure shows what was last seen and every log tail.</summary>
    public async Task<T> EventuallyAsync<T>(Func<T> read, Func<T, bool> done, string what, double seconds)
    {
        var clock = Stopwatch.StartNew();
        var last = read();
        while (!done(last))
        {
            if (clock.Elapsed.TotalSeconds > seconds)
            {
                var seen = last is System.Collections.IEnumerable e and not string ? "[" + string.Join(", ", e.Cast<object>()) + "]" : last?.ToString();
                throw new Xunit.Sdk.XunitException($"timed out after {seconds} s waiting for {what}; last: {seen}\n{Agents.Logs()}\n{Router.Logs()}");
            }
            await Task.Delay(100);
            last = read();
        }
        return last;
    }

    public async ValueTask DisposeAsync()
    {
        await Agents.DisposeAsync();
        Router.Dispose();
    }
}

/// <summary>One lab for the class; skipped (with the reason in the failure) where gobgpd or bird is missing.</summary>
public sealed class RemoteBgpAgentLabFixture : IAsyncLifetime
{
    private RemoteBgpAgentLab? _lab;

    public RemoteBgpAgentLab Lab => _lab ?? throw new InvalidOperationException("remote BGP lab unavailable: " + LanRouter.WhyUnavailable());

    public async Task InitializeAsync()
    {
        if (LanRouter.WhyUnavailable() is not null) return;
        _lab = await RemoteBgpAgentLab.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_lab is not null) await _lab.DisposeAsync();
    }
}
