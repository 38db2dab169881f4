using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using KubeApiServer;
using Purelb.Election;
using Xunit;

namespace Purelb.Tests.Agent;

/// <summary>
/// What users see and steer on local addresses, against real agents in a 3-node lab (its own, shared by this class):
/// events and metrics, endpoint affinity, dual-stack with two winners, a shared address, externalTrafficPolicy Local
/// and LBNodeAgent nodeSelector. Every test asserts the kernel state of every node; each uses its own Services.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class AgentFeatureEndToEndTests(AgentLabFixture fixture) : IClassFixture<AgentLabFixture>
{
    private AgentLab Lab => fixture.Lab;

    private IReadOnlyList<string> AllNodes => Lab.Net.Nodes.Select(n => n.Name).ToList();

    private void Svc(string name, string annotations = "", string spec = "", int port = 80) => Lab.Create(AgentLab.Json($$$"""
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"{{{name}}}","namespace":"default","annotations":{ {{{annotations}}} }},
         "spec":{"type":"LoadBalancer","ports":[{"port":{{{port}}},"protocol":"TCP"}],"selector":{"app":"{{{name}}}"}{{{spec}}} } }
        """));

    private void Slice(string name, string service, string node) => Lab.Create(AgentLab.Json($$$"""
        {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"{{{name}}}","namespace":"default",
          "labels":{"kubernetes.io/service-name":"{{{service}}}"}},
         "addressType":"IPv4","ports":[{"port":80,"protocol":"TCP"}],
         "endpoints":[{"addresses":["10.244.7.10"],"nodeName":"{{{node}}}","conditions":{"ready":true}}]}
        """));

    private void DeleteSlice(string name) => Lab.DeleteObject("discovery.k8s.io", "v1", "EndpointSlice", "default", name);

    private Task<List<JsonObject>> EventsAsync(string service, string reason, Func<List<JsonObject>, bool> done, string what) =>
        Lab.EventuallyAsync(() => Lab.EventsFor(service).Where(e => (string?)e["reason"] == reason).ToList(), done, what);

    private static string Message(JsonObject e) => (string?)e["message"] ?? "";

    [Fact]
    public async Task Taking_an_address_records_AnnouncingLocal_naming_node_and_interface_and_moves_the_agent_metrics()
    {
        await Lab.WaitForAllAgentsAsync();
        Svc("evt");
        var ip = (await Lab.IngressAsync("evt", 1))[0];
        var holder = await Lab.SingleHolderAsync(ip);

        var events = await EventsAsync("evt", "AnnouncingLocal", l => l.Count > 0, "an AnnouncingLocal event on the Service");
        var e = Assert.Single(events);
        Assert.Equal($"Node {holder} announcing {ip} on interface eth0", Message(e));
        Assert.Equal("Normal", (string?)e["type"]);
        Assert.Equal("purelb-lbnodeagent", (string?)e["source"]?["component"]);
        Assert.Equal("Service", (string?)e["involvedObject"]?["kind"]);

        var m = await Lab.EventuallyAsync(() => Lab.MetricsAsync(holder).Result,
            t => AgentLab.Metric(t, "purelb_lbnodeagent_announced", ("service", "default/evt"), ("ip", ip.ToString())) == 1, "the announced gauge on the holder");
        Assert.Equal(1.0, AgentLab.Metric(m, "purelb_lbnodeagent_announced", ("service", "default/evt"), ("node", holder), ("ip", ip.ToString())));
        Assert.True(AgentLab.Metric(m, "purelb_lbnodeagent_address_additions_total") >= 1, m);
        Assert.True(AgentLab.Metric(m, "purelb_lbnodeagent_election_wins_total") >= 1, m);
        Assert.Equal(1.0, AgentLab.Metric(m, "purelb_election_lease_healthy"));
        Assert.Equal(3.0, AgentLab.Metric(m, "purelb_election_member_count"));
        Assert.True(AgentLab.Metric(m, "purelb_election_lease_renewals_total") >= 1, m);
        Assert.Equal(1.0, AgentLab.Metric(m, "purelb_lbnodeagent_selector_state", ("state", "default")));
        Assert.Equal(0.0, AgentLab.Metric(m, "purelb_lbnodeagent_selector_state", ("state", "deselected")));
        Assert.Equal(1.0, AgentLab.Metric(m, "purelb_k8s_client_config_loaded_bool"));
        await Lab.EventuallyAsync(() => Lab.MetricsAsync(holder).Result,
            t => AgentLab.Metric(t, "purelb_lbnodeagent_garp_sent_total") >= 1, "garp_sent_total on the holder");
        foreach (var other in AllNodes.Where(n => n != holder))
        {
            var o = await Lab.MetricsAsync(other);
            Assert.Null(AgentLab.Metric(o, "purelb_lbnodeagent_announced", ("service", "default/evt")));
            Assert.True(AgentLab.Metric(o, "purelb_lbnodeagent_election_losses_total") >= 1, o);
        }
        // Only the holder announced; nobody else wrote an event about it.
        Assert.All(Lab.EventsFor("evt").Where(x => (string?)x["reason"] == "AnnouncingLocal"), x => Assert.Contains($"Node {holder} ", Message(x)));
        Lab.DeleteService("evt");
        await Lab.EventuallyAsync(() => Lab.HoldersOf(ip), h => h.Count == 0, $"{ip} withdrawn");
    }

    [Fact]
    public async Task Node_affinity_puts_the_address_on_an_endpoint_node_follows_the_endpoint_and_falls_back_to_the_hash()
    {
        await Lab.WaitForAllAgentsAsync();
        Svc("aff", annotations: "\"purelb.io/node-affinity\":\"service-endpoints\"");
        var ip = (await Lab.IngressAsync("aff", 1))[0];
        var hashWinner = WinnerSelector.Winner(ElectionKey.Format(ip), AllNodes)!;
        // No endpoints yet: the plain hash decides.
        Assert.Equal(hashWinner, await Lab.SingleHolderAsync(ip));
        var first = AllNodes.First(n => n != hashWinner);
        var second = AllNodes.First(n => n != hashWinner && n != first);
        try
        {
            Slice("aff-1", "aff", first);
            Assert.Equal(first, await Lab.SingleHolderAsync(ip, 15, not: hashWinner));
            await EventsAsync("aff", "WithdrawnLocal",
                l => l.Any(e => Message(e) == $"Node {hashWinner} withdrew {ip}: lostElection: node {first} announces it"), "the old holder's WithdrawnLocal event");
            await EventsAsync("aff", "AnnouncingLocal", l => l.Any(e => Message(e) == $"Node {first} announcing {ip} on interface eth0"), "the new holder's event");

            Slice("aff-2", "aff", second);
            DeleteSlice("aff-1");
            Assert.Equal(second, await Lab.SingleHolderAsync(ip, 15, not: first));

            // The only endpoint is on a node that cannot announce: fall back to the hash and count it.
            Slice("aff-3", "aff", "not-a-node");
            DeleteSlice("aff-2");
            Assert.Equal(hashWinner, await Lab.SingleHolderAsync(ip, 15, not: second));
            var m = await Lab.EventuallyAsync(() => Lab.MetricsAsync(hashWinner).Result,
                t => AgentLab.Metric(t, "purelb_election_affinity_fallback_total", ("service", ip.ToString())) >= 1, "affinity_fallback_total on the holder");
            Assert.NotNull(m);
        }
        finally
        {
            foreach (var s in new[] { "aff-1", "aff-2", "aff-3" })
            {
                try { DeleteSlice(s); } catch (Exception) { /* already gone */ }
            }
            Lab.DeleteService("aff");
        }
        await Lab.EventuallyAsync(() => Lab.HoldersOf(ip), h => h.Count == 0, $"{ip} withdrawn");
    }

    [Fact]
    public async Task Dual_stack_addresses_with_different_winners_are_each_held_and_announced_by_their_own_winner()
    {
        await Lab.WaitForAllAgentsAsync();
        var nodes = AllNodes;
        // Pinned addresses whose SHA-256 winners differ (the same computation every agent makes).
        (IPAddress V4, IPAddress V6, string W4, string W6)? pick = null;
        for (int i = 149; i >= 130 && pick is null; i--)
        {
            var v4 = IPAddress.Parse($"192.0.2.{i}");
            var w4 = WinnerSelector.Winner(ElectionKey.Format(v4), nodes)!;
            for (int j = 0x1ff; j >= 0x1e0 && pick is null; j--)
            {
                var v6 = IPAddress.Parse($"2001:db8::{j:x}");
                var w6 = WinnerSelector.Winner(ElectionKey.Format(v6), nodes)!;
                if (w6 != w4) pick = (v4, v6, w4, w6);
            }
        }
        var (ip4, ip6, win4, win6) = pick!.Value;
        Assert.NotEqual(win4, win6);

        using var capture = Frames.Capture(Lab.Net.ControlPlane.Name, "eth0");
        var frames = Frames.ReceiveAsync(capture, 15, f => f.Any(x => Frames.IsGarpFor(x, ip4)) && f.Any(x => Frames.IsNaFor(x, ip6)));
        Svc("ds2", annotations: $"\"purelb.io/addresses\":\"{ip4},{ip6}\"", spec: ""","ipFamilyPolicy":"RequireDualStack","ipFamilies":["IPv4","IPv6"]""");
        var ips = await Lab.IngressAsync("ds2", 2);
        Assert.Contains(ip4, ips);
        Assert.Contains(ip6, ips);
        Assert.Equal(win4, await Lab.SingleHolderAsync(ip4));
        Assert.Equal(win6, await Lab.SingleHolderAsync(ip6));
        await Task.Delay(300);
        Assert.Equal([win4], Lab.HoldersOf(ip4));
        Assert.Equal([win6], Lab.HoldersOf(ip6));
        Assert.Equal($"{win6}/eth0", Assert.Single(Lab.Placements(ip6)));

        await Lab.EventuallyAsync(() => AgentLab.Annotation(Lab.GetService("ds2"), "purelb.io/announcing-IPv4"), v => v == $"{win4},eth0,{ip4}", "announcing-IPv4");
        await Lab.EventuallyAsync(() => AgentLab.Annotation(Lab.GetService("ds2"), "purelb.io/announcing-IPv6"), v => v == $"{win6},eth0,{ip6}", "announcing-IPv6");

        var seen = await frames;
        Assert.Contains(seen, f => Frames.IsGarpFor(f, ip4) && Frames.SourceMac(f) == AgentLab.Mac(Lab.Node(win4)));
        Assert.Contains(seen, f => Frames.IsNaFor(f, ip6) && Frames.SourceMac(f) == AgentLab.Mac(Lab.Node(win6)));
        Assert.DoesNotContain(seen, f => (Frames.IsGarpFor(f, ip4) && Frames.SourceMac(f) != AgentLab.Mac(Lab.Node(win4)))
                                      || (Frames.IsNaFor(f, ip6) && Frames.SourceMac(f) != AgentLab.Mac(Lab.Node(win6))));
        Lab.DeleteService("ds2");
        await Lab.EventuallyAsync(() => Lab.HoldersOf(ip4).Concat(Lab.HoldersOf(ip6)).ToList(), h => h.Count == 0, "both addresses withdrawn");
    }

    [Fact]
    public async Task Shared_address_is_held_once_kept_while_one_sharer_remains_and_withdrawn_with_the_last()
    {
        await Lab.WaitForAllAgentsAsync();
        Svc("sh-a", annotations: "\"purelb.io/allow-shared-ip\":\"web\"", port: 80);
        var ip = (await Lab.IngressAsync("sh-a", 1))[0];
        Svc("sh-b", annotations: "\"purelb.io/allow-shared-ip\":\"web\"", port: 81);
        Assert.Equal(ip, (await Lab.IngressAsync("sh-b", 1))[0]);
        var holder = await Lab.SingleHolderAsync(ip);
        foreach (var s in new[] { "sh-a", "sh-b" })
            await Lab.EventuallyAsync(() => AgentLab.Annotation(Lab.GetService(s), "purelb.io/announcing-IPv4"), v => v == $"{holder},eth0,{ip}", $"announcing-IPv4 of {s}");

        Lab.DeleteService("sh-a");
        // The other sharer still wants it: it must never leave the holder, nor appear elsewhere.
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(1.5))
        {
            Assert.Equal([$"{holder}/eth0"], Lab.Placements(ip));
            await Task.Delay(20);
        }
        Assert.NotNull(AgentLab.IpAddr(Lab.Node(holder), ip));

        Lab.DeleteService("sh-b");
        await Lab.EventuallyAsync(() => Lab.Placements(ip), h => h.Count == 0, $"{ip} withdrawn from every node with the last sharer");
    }

    [Fact]
    public async Task External_traffic_policy_Local_is_switched_to_Cluster_unless_allow_local_is_set()
    {
        await Lab.WaitForAllAgentsAsync();
        Svc("etp-switch", spec: ""","externalTrafficPolicy":"Local","sessionAffinity":"ClientIP" """);
        Svc("etp-keep", annotations: "\"purelb.io/allow-local\":\"\"", spec: ""","externalTrafficPolicy":"Local" """);
        var switched = (await Lab.IngressAsync("etp-switch", 1))[0];
        var kept = (await Lab.IngressAsync("etp-keep", 1))[0];
        var switchHolder = await Lab.SingleHolderAsync(switched);
        await Lab.SingleHolderAsync(kept);

        await Lab.EventuallyAsync(() => (string?)Lab.GetService("etp-switch")?["spec"]?["externalTrafficPolicy"], p => p == "Cluster", "etp-switch switched to Cluster");
        var e = await EventsAsync("etp-switch", "LocalOverride", l => l.Count > 0, "LocalOverride on etp-switch");
        Assert.Contains("switched to Cluster", Message(e[0]));
        // The agent caches trimmed Services; the switch must start from the stored object and keep what it left out.
        var stored = Lab.GetService("etp-switch")!;
        Assert.Equal("etp-switch", (string?)stored["spec"]?["selector"]?["app"]);
        Assert.Equal("ClientIP", (string?)stored["spec"]?["sessionAffinity"]);
        Assert.Equal(switched.ToString(), (string?)stored["status"]?["loadBalancer"]?["ingress"]?[0]?["ip"]);
        Assert.Equal([switchHolder], Lab.HoldersOf(switched));

        var k = await EventsAsync("etp-keep", "LocalOverride", l => l.Count > 0, "LocalOverride on etp-keep");
        Assert.Contains("stays Local", Message(k[0]));
        // The same reconcile that wrote the event would have switched it: it stays Local.
        await Task.Delay(300);
        Assert.Equal("Local", (string?)Lab.GetService("etp-keep")?["spec"]?["externalTrafficPolicy"]);
        Assert.Single(Lab.HoldersOf(kept));
        Lab.DeleteService("etp-switch");
        Lab.DeleteService("etp-keep");
        await Lab.EventuallyAsync(() => Lab.HoldersOf(switched).Concat(Lab.HoldersOf(kept)).ToList(), h => h.Count == 0, "both withdrawn");
    }

    [Fact]
    public async Task LBNodeAgent_node_selector_leaves_unselected_nodes_out_of_the_election_and_follows_label_changes()
    {
        await Lab.WaitForAllAgentsAsync();
        var chosen = AllNodes[1];
        var others = AllNodes.Where(n => n != chosen).ToList();
        Lab.MergePatch("", "v1", "Node", null, chosen, """{"metadata":{"labels":{"purelb-test/announcer":"yes"}}}""");
        Lab.Create(AgentLab.Json($$$"""
            {"apiVersion":"purelb.io/v2","kind":"LBNodeAgent","metadata":{"name":"selected","namespace":"{{{AgentLab.InstallNamespace}}}"},
             "spec":{"nodeSelector":{"matchLabels":{"purelb-test/announcer":"yes"}},"local":{"localInterface":"default"} } }
            """));
        try
        {
            await Lab.EventuallyAsync(() => AllNodes.Select(n => $"{n}={LeaseSubnets(n)}").ToList(),
                l => others.All(o => LeaseSubnets(o) == "") && LeaseSubnets(chosen).Contains("192.0.2.0/24"), "only the selected node advertising subnets");
            foreach (var o in others)
            {
                var m = await Lab.MetricsAsync(o);
                Assert.Equal(1.0, AgentLab.Metric(m, "purelb_lbnodeagent_selector_state", ("state", "deselected")));
            }
            Assert.Equal(1.0, AgentLab.Metric(await Lab.MetricsAsync(chosen), "purelb_lbnodeagent_selector_state", ("state", "configured")));

            // A selector that cannot be evaluated matches nothing and is reported on its LBNodeAgent.
            Lab.Create(AgentLab.Json($$$"""
                {"apiVersion":"purelb.io/v2","kind":"LBNodeAgent","metadata":{"name":"broken","namespace":"{{{AgentLab.InstallNamespace}}}"},
                 "spec":{"nodeSelector":{"matchExpressions":[{"key":"zone","operator":"In"}]},"local":{"localInterface":"^nothing$"} } }
                """));
            var warning = await Lab.EventuallyAsync(() => Lab.EventsFor("broken", AgentLab.InstallNamespace).Where(e => (string?)e["reason"] == "InvalidNodeSelector").ToList(),
                l => l.Count > 0, "an InvalidNodeSelector event on the broken LBNodeAgent");
            Assert.Equal("Warning", (string?)warning[0]["type"]);
            Assert.Equal("LBNodeAgent", (string?)warning[0]["involvedObject"]?["kind"]);

            Svc("sel");
            var ip = (await Lab.IngressAsync("sel", 1))[0];
            Assert.Equal(chosen, await Lab.SingleHolderAsync(ip));
            await Task.Delay(300);
            Assert.Equal([$"{chosen}/eth0"], Lab.Placements(ip));

            // Moving the label, with no LBNodeAgent change, moves the selection: each agent watches its own Node.
            var next = others[0];
            var sw = System.Diagnostics.Stopwatch.StartNew();
            Lab.MergePatch("", "v1", "Node", null, next, """{"metadata":{"labels":{"purelb-test/announcer":"yes"}}}""");
            Lab.MergePatch("", "v1", "Node", null, chosen, """{"metadata":{"labels":{"purelb-test/announcer":null}}}""");
            Assert.Equal(next, await Lab.SingleHolderAsync(ip, not: chosen));
            await Lab.EventuallyAsync(() => AllNodes.Select(n => $"{n}={LeaseSubnets(n)}").ToList(),
                l => LeaseSubnets(chosen) == "" && LeaseSubnets(next).Contains("192.0.2.0/24"), "the selection following the label");
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), $"a label change took {sw.Elapsed} to take effect");
            Assert.Equal(1.0, AgentLab.Metric(await Lab.MetricsAsync(chosen), "purelb_lbnodeagent_selector_state", ("state", "deselected")));

            Lab.DeleteService("sel");
            await Lab.EventuallyAsync(() => Lab.HoldersOf(ip), h => h.Count == 0, $"{ip} withdrawn");
        }
        finally
        {
            Lab.DeleteObject("purelb.io", "v2", "LBNodeAgent", AgentLab.InstallNamespace, "selected");
            try { Lab.DeleteObject("purelb.io", "v2", "LBNodeAgent", AgentLab.InstallNamespace, "broken"); } catch (Exception) { /* not created */ }
            foreach (var n in AllNodes)
                Lab.MergePatch("", "v1", "Node", null, n, """{"metadata":{"labels":{"purelb-test/announcer":null}}}""");
        }
        await Lab.EventuallyAsync(() => AllNodes.Select(n => $"{n}={LeaseSubnets(n)}").ToList(),
            l => AllNodes.All(n => LeaseSubnets(n).Contains("192.0.2.0/24")), "every node advertising again");
    }

    private string LeaseSubnets(string node) =>
        AgentLab.Annotation(Lab.Api.GetObject("coordination.k8s.io/v1", "Lease", AgentLab.InstallNamespace, "purelb-node-" + node), "purelb.io/subnets") ?? "";
}
