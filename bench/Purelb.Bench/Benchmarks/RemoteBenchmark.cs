using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using KubeApiServer;
using Purelb.Tests.Bgp;
using Purelb.Tests.RemoteAnnounce;

namespace Purelb.Bench.Benchmarks;

/// <summary>
/// Remote addresses with the real agent binary on three nodes (each with its gobgpd sidecar) and bird2 as the
/// upstream router, everything driven through the in-repo API server: Service ready (its address in status) →
/// the router's kernel has the route with all three next hops; Service deleted → route gone; the only endpoint of a
/// Local-policy Service moved to another node → the route's next hop follows. The router's table is followed with
/// rtnetlink notifications (`ip monitor route`, each match confirmed by one read), the API server in process.
/// Upstream's path to BGP (k8gobgp netlink import of kube-lb0) polls every 5 s before BGP starts.
/// </summary>
public sealed class RemoteBenchmark : IBenchmark
{
    private const int Warmup = 2;
    private const int Trials = 20;
    private const string Baseline = "goal; upstream netlink import polls kube-lb0 every 5 s (bgp-and-ipam.md §1.4)";

    public IReadOnlyList<string> Names => ["remote_route_ready_ms", "remote_route_withdraw_ms", "remote_endpoint_move_ms", "remote_create_to_route_ms"];

    public string Group => "remote";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        if (LanRouter.WhyUnavailable() is { } why) throw new InvalidOperationException($"remote lab unavailable: {why}");
        Environment.SetEnvironmentVariable("PURELB_BINARY", context.Binary);
        await using var lab = await RemoteBgpAgentLab.StartAsync();
        await using var monitor = await RouterRouteMonitor.StartAsync(lab.Router);
        var timeout = TimeSpan.FromSeconds(30);
        var all = lab.V4Of(1, 2, 3).Select(IPAddress.Parse).ToArray();

        var ready = new List<double>();
        var created = new List<double>();
        var withdrawn = new List<double>();
        for (int i = 0; i < Warmup + Trials; i++)
        {
            var name = $"bench-r{i}";
            var t0 = Stopwatch.GetTimestamp();
            var (ip, tReady) = await IngressAsync(lab, name, () => lab.Service(name, RemoteBgpAgentLab.RemoteGroup), timeout, cancellationToken);
            var prefix = new IPNetwork(ip, 32);
            var tRoute = await monitor.WaitAsync(prefix, all, timeout, cancellationToken);

            var t2 = Stopwatch.GetTimestamp();
            lab.Agents.DeleteService(name);
            var tGone = await monitor.WaitAsync(prefix, [], timeout, cancellationToken);
            if (i < Warmup) continue;
            ready.Add(Stopwatch.GetElapsedTime(tReady, tRoute).TotalMilliseconds);
            created.Add(Stopwatch.GetElapsedTime(t0, tRoute).TotalMilliseconds);
            withdrawn.Add(Stopwatch.GetElapsedTime(t2, tGone).TotalMilliseconds);
        }

        // Local policy: one endpoint, moved from node to node.
        var moved = new List<double>();
        const string local = "bench-local";
        var (vip, _) = await IngressAsync(lab, local, () => lab.Service(local, RemoteBgpAgentLab.RemoteGroup, policy: "Local"), timeout, cancellationToken);
        var vipPrefix = new IPNetwork(vip, 32);
        var at = 0;
        var slice = $"{local}-0";
        lab.EndpointSlice(slice, local, lab.Nodes[at].Name);
        await monitor.WaitAsync(vipPrefix, [IPAddress.Parse(lab.Nodes[at].AddressV4)], timeout, cancellationToken);
        for (int i = 1; i <= Warmup + Trials; i++)
        {
            var next = (at + 1) % lab.Nodes.Count;
            var nextSlice = $"{local}-{i}";
            var t0 = Stopwatch.GetTimestamp();
            lab.EndpointSlice(nextSlice, local, lab.Nodes[next].Name);
            lab.DeleteEndpointSlice(slice);
            var t1 = await monitor.WaitAsync(vipPrefix, [IPAddress.Parse(lab.Nodes[next].AddressV4)], timeout, cancellationToken);
            if (i > Warmup) moved.Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
            at = next;
            slice = nextSlice;
        }
        lab.Agents.DeleteService(local);

        return
        [
            BenchResult.FromTrials("remote_route_ready_ms", ready, "ms", 50, Baseline),
            BenchResult.FromTrials("remote_route_withdraw_ms", withdrawn, "ms", 50, Baseline),
            BenchResult.FromTrials("remote_endpoint_move_ms", moved, "ms", 1000, "goal"),
            BenchResult.FromTrials("remote_create_to_route_ms", created, "ms", null, "Service created (allocator included) → ECMP route"),
        ];
    }

    /// <summary>Creates the Service; returns its IPv4 address and the Stopwatch timestamp at which the API server stored it in status,
    /// taken from a watcher registered on the in-process store (the write offers it synchronously).</summary>
    private static async Task<(IPAddress Ip, long At)> IngressAsync(RemoteBgpAgentLab lab, string name, Action create, TimeSpan timeout,
        CancellationToken ct)
    {
        var store = lab.Agents.Api.Store;
        var type = lab.Agents.Api.Registry.InGroupVersion("", "v1").First(t => t.Kind == "Service");
        var watcher = new Watcher(type.StorageKey);
        lock (store.Lock) store.AddWatcher(watcher);
        try
        {
            create(); // after subscribing, so the status write cannot be missed
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(timeout);
            await foreach (var entry in watcher.Reader.ReadAllAsync(cts.Token))
            {
                var at = Stopwatch.GetTimestamp();
                if ((string?)entry.Object["metadata"]?["name"] != name) continue;
                if (V4Of(entry.Object) is { } ip) return (ip, at);
            }
            throw new TimeoutException($"{name} got no address");
        }
        finally
        {
            lock (store.Lock) store.RemoveWatcher(watcher);
        }
    }

    private static IPAddress? V4Of(System.Text.Json.Nodes.JsonObject? svc) =>
        (svc?["status"]?["loadBalancer"]?["ingress"] as System.Text.Json.Nodes.JsonArray)?
        .Select(i => IPAddress.Parse((string)i!["ip"]!)).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
}
