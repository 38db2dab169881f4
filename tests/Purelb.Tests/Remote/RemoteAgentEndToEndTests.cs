using System.Net;
using System.Text.Json.Nodes;
using KubeApiServer;
using Purelb.Tests.Agent;
using Purelb.Tests.Harness;
using Xunit;

namespace Purelb.Tests.RemoteAnnounce;

/// <summary>
/// The wiring in the real `purelb agent` (three node namespaces, in-repo API server, real allocator): a Service from a
/// remote ServiceGroup lands on kube-lb0 of every node (Cluster policy) or of the endpoint nodes only (Local), and
/// leaves when the Service goes. kube-lb0 is made by the test as a bridge, after the agents started: this kernel has
/// no dummy type, so the agents wait for it and pick it up when it appears. BGP is off (--bgp-mode is the lab's
/// default grpc with no gobgpd, which only affects the BGP side; the kernel side is asserted here).
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class RemoteAgentEndToEndTests(AgentLabFixture fixture) : IClassFixture<AgentLabFixture>
{
    private AgentLab Lab => fixture.Lab;

    private void EnsureKubeLb0()
    {
        foreach (var node in Lab.Net.Nodes)
        {
            if (!node.Namespace.Ip("-o", "link", "show").Contains(" kube-lb0:", StringComparison.Ordinal))
                node.Namespace.Ip("link", "add", "kube-lb0", "type", "bridge");
        }
        if (Lab.Api.GetObject("purelb.io/v2", "ServiceGroup", AgentLab.InstallNamespace, "remote") is null)
        {
            Lab.Create(AgentLab.Json($$$"""
                {"apiVersion":"purelb.io/v2","kind":"ServiceGroup","metadata":{"name":"remote","namespace":"{{{AgentLab.InstallNamespace}}}"},
                 "spec":{"remote":{"v4pool":{"pool":"198.51.100.0/28","subnet":"198.51.100.0/24","aggregation":"/32"} } } }
                """));
        }
    }

    private IReadOnlyList<string> NodesHolding(IPAddress ip, int prefixLength) =>
        Lab.Net.Nodes.Where(n =>
        {
            var json = n.Namespace.Ip("-j", "addr", "show", "dev", "kube-lb0");
            return JsonNode.Parse(json)!.AsArray().SelectMany(l => l!["addr_info"]!.AsArray())
                .Any(a => (string?)a!["local"] == ip.ToString() && (int)a!["prefixlen"]! == prefixLength);
        }).Select(n => n.Name).ToList();

    private void RemoteService(string name, string policy) => Lab.Create(AgentLab.Json($$$"""
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"{{{name}}}","namespace":"default","annotations":{"purelb.io/service-group":"remote"}},
         "spec":{"type":"LoadBalancer","externalTrafficPolicy":"{{{policy}}}","ports":[{"port":80,"protocol":"TCP"}],"selector":{"app":"{{{name}}}"} } }
        """));

    private void Slice(string name, string service, string node) => Lab.Create(AgentLab.Json($$$"""
        {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"{{{name}}}","namespace":"default",
          "labels":{"kubernetes.io/service-name":"{{{service}}}"}},
         "addressType":"IPv4","ports":[{"port":80,"protocol":"TCP"}],
         "endpoints":[{"addresses":["10.244.9.10"],"nodeName":"{{{node}}}","conditions":{"ready":true}}]}
        """));

    private void DeleteSlice(string name) =>
        Lab.Api.Delete(new Target(Lab.Api.Registry.InGroupVersion("discovery.k8s.io", "v1").First(t => t.Kind == "EndpointSlice"), "default", name, null),
            null, new WriteOptions());

    [Fact]
    public async Task Cluster_policy_remote_service_is_on_every_nodes_kube_lb0_with_the_pool_aggregation_and_leaves_on_delete()
    {
        await Lab.WaitForAllAgentsAsync();
        EnsureKubeLb0();
        RemoteService("rcluster", "Cluster");
        var ip = (await Lab.IngressAsync("rcluster", 1))[0];
        Assert.StartsWith("198.51.100.", ip.ToString(), StringComparison.Ordinal);
        var all = Lab.Net.Nodes.Select(n => n.Name).ToList();
        await Lab.EventuallyAsync(() => NodesHolding(ip, 32), h => h.SequenceEqual(all), $"{ip}/32 on kube-lb0 of every node", 10);
        // Remote addresses never go on eth0 (no election).
        Assert.Empty(Lab.HoldersOf(ip));

        Lab.DeleteService("rcluster");
        await Lab.EventuallyAsync(() => NodesHolding(ip, 32), h => h.Count == 0, $"{ip} gone from every kube-lb0", 5);
    }

    [Fact]
    public async Task Local_policy_remote_service_is_only_on_nodes_with_a_ready_endpoint_and_follows_it()
    {
        await Lab.WaitForAllAgentsAsync();
        EnsureKubeLb0();
        RemoteService("rlocal", "Local");
        var ip = (await Lab.IngressAsync("rlocal", 1))[0];
        var n2 = Lab.Net.Nodes[1].Name;
        var n3 = Lab.Net.Nodes[2].Name;
        await Task.Delay(500);
        Assert.Empty(NodesHolding(ip, 32));

        Slice("rlocal-a", "rlocal", n2);
        await Lab.EventuallyAsync(() => NodesHolding(ip, 32), h => h.SequenceEqual([n2]), $"{ip} only on {n2}", 5);

        Slice("rlocal-b", "rlocal", n3);
        DeleteSlice("rlocal-a");
        await Lab.EventuallyAsync(() => NodesHolding(ip, 32), h => h.SequenceEqual([n3]), $"{ip} moved to {n3}", 5);

        DeleteSlice("rlocal-b");
        await Lab.EventuallyAsync(() => NodesHolding(ip, 32), h => h.Count == 0, $"{ip} withdrawn with the last endpoint", 5);
        Lab.DeleteService("rlocal");
    }
}
