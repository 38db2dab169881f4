using System.Diagnostics;
using System.Net;
using Purelb.Bgp;
using Purelb.Tests.Bgp;

namespace Purelb.Bench.Benchmarks;

/// <summary>
/// BGP announcement latency in the namespace lab (bird2 router, three gobgpd 3.10 nodes): announcer Set →
/// the router's kernel has the route with all three next hops, and Remove → the route is gone. The router's
/// table is read by spawning `ip` in a loop, which adds roughly a millisecond or two to every figure.
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
        await using (var nodes = lab.StartAnnouncers())
        {
            for (int i = 0; i < Warmup + Trials; i++)
            {
                var prefix = new IPNetwork(IPAddress.Parse($"198.51.100.{100 + i}"), 32);
                var key = $"bench/svc-{i}";
                var sw = Stopwatch.StartNew();
                nodes.SetAll(key, prefix);
                await Expect(lab, prefix, all, cancellationToken);
                var up = sw.Elapsed.TotalMilliseconds;

                sw.Restart();
                nodes.RemoveAll(key);
                await Expect(lab, prefix, [], cancellationToken);
                var down = sw.Elapsed.TotalMilliseconds;
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

    private static async Task Expect(BgpLab lab, IPNetwork prefix, IPAddress[] hops, CancellationToken cancellationToken)
    {
        var got = await lab.WaitForNextHopsAsync(prefix, hops, TimeSpan.FromSeconds(10), cancellationToken);
        if (!got.Select(a => a.ToString()).Order(StringComparer.Ordinal).SequenceEqual(hops.Select(a => a.ToString()).Order(StringComparer.Ordinal)))
            throw new InvalidOperationException($"{prefix}: router has next hops [{string.Join(", ", got)}], expected [{string.Join(", ", hops.Select(h => h.ToString()))}]");
    }
}
