using System.Diagnostics;
using System.Net;
using Purelb.Bgp;
using Purelb.Tests.Bgp;

namespace Purelb.Bench.Benchmarks;

/// <summary>
/// BGP announcement latency in the namespace lab (bird2 router, three gobgpd 3.10 nodes): announcer Set →
/// the router's kernel has the route with all three next hops, and Remove → the route is gone. The router's
/// table is followed with `ip monitor route` (each match confirmed by one `ip route show`), so the figures do not
/// include the cost of spawning a process per poll.
/// Upstream's netlink import polls kube-lb0 every 5 s before BGP even starts.
/// </summary>
public sealed class BgpBenchmark : IBenchmark
{
    private const int Warmup = 3;
    private const int Trials = 15;

    public IReadOnlyList<string> Names => ["bgp_announce_ms", "bgp_withdraw_ms", "bgp_addpath_rpc_ms"];

    public string Group => "bgp";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        if (BgpLab.WhyUnavailable() is { } why) throw new InvalidOperationException($"BGP lab unavailable: {why}");
        await using var lab = await BgpLab.StartAsync(3, cancellationToken: cancellationToken);
        var all = lab.Nodes.Select(n => n.Ipv4).ToArray();
        var announce = new List<double>();
        var withdraw = new List<double>();
        await using (var monitor = await RouterRouteMonitor.StartAsync(lab))
        await using (var nodes = lab.StartAnnouncers())
        {
            for (int i = 0; i < Warmup + Trials; i++)
            {
                var prefix = new IPNetwork(IPAddress.Parse($"198.51.100.{100 + i}"), 32);
                var key = $"bench/svc-{i}";
                var t0 = Stopwatch.GetTimestamp();
                nodes.SetAll(key, prefix);
                var t1 = await monitor.WaitAsync(prefix, all, TimeSpan.FromSeconds(10), cancellationToken);
                var up = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;

                var t2 = Stopwatch.GetTimestamp();
                nodes.RemoveAll(key);
                var t3 = await monitor.WaitAsync(prefix, [], TimeSpan.FromSeconds(10), cancellationToken);
                var down = Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds;
                if (i < Warmup) continue; // first connections and JIT
                announce.Add(up);
                withdraw.Add(down);
            }
        }

        // One RPC round trip: AddPath on one node's gobgpd over its unix socket.
        var rpc = new List<double>();
        using (var client = await GobgpClient.ConnectAsync(lab.Nodes[0].Endpoint, cancellationToken: cancellationToken))
        {
            var route = new BgpRoute(new IPNetwork(IPAddress.Parse("198.51.100.250"), 32), BgpRoute.Ipv4NextHopSelf);
            for (int i = 0; i < Warmup + Trials; i++)
            {
                var sw = Stopwatch.StartNew();
                await client.AddPathAsync(route, cancellationToken);
                if (i >= Warmup) rpc.Add(sw.Elapsed.TotalMilliseconds);
                await client.DeletePathAsync(route, cancellationToken);
            }
        }

        return
        [
            BenchResult.FromTrials("bgp_announce_ms", announce, "ms", 50, "goal"),
            BenchResult.FromTrials("bgp_withdraw_ms", withdraw, "ms", 50, "goal"),
            BenchResult.FromTrials("bgp_addpath_rpc_ms", rpc, "ms", 0.9, "spec lab: AOT client, gobgpd 3.10"),
        ];
    }
}
