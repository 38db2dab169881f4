using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Purelb.Tests.Allocator;

namespace Purelb.Bench.Benchmarks;

/// <summary>
/// The real allocator binary against the in-repo API server: 10,000 Services created → every one allocated,
/// then a restart with those 10,000 existing → /readyz, and the allocator's peak RSS over both.
/// </summary>
public sealed class AllocatorBenchmark : IBenchmark
{
    private const int Services = 10_000;

    public IReadOnlyList<string> Names => ["allocator_10k_s", "allocator_restart_10k_s", "allocator_rss_mib"];

    public string Group => "allocator";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        Environment.SetEnvironmentVariable("PURELB_BINARY", context.Binary);
        await using var lab = await AllocatorLab.StartAsync();
        lab.ServiceGroup("default", "10.0.0.0/16", "10.0.0.0/16");
        lab.Create(AllocatorLab.Json("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"bench"}}"""));
        var port = FreePort();
        var first = lab.StartAllocator($"127.0.0.1:{port}", "warning");
        await WaitReadyAsync(port, cancellationToken);

        var sw = Stopwatch.StartNew();
        for (int i = 0; i < Services; i++)
            // As on a real cluster, 10,000 node ports do not exist: the Services ask for none.
            lab.Service("bench", $"s{i:D5}", extraSpec: ""","allocateLoadBalancerNodePorts":false""");
        await WaitAllocatedAsync(lab, cancellationToken);
        var createToAllocated = sw.Elapsed.TotalSeconds;
        var peak1 = PeakRssMib(first.Pid);

        first.Kill();
        first.WaitForExit(TimeSpan.FromSeconds(5));
        port = FreePort();
        sw.Restart();
        var second = lab.StartAllocator($"127.0.0.1:{port}", "warning");
        await WaitReadyAsync(port, cancellationToken);
        var restart = sw.Elapsed.TotalSeconds;
        await Task.Delay(500, cancellationToken); // let it finish re-checking every Service before reading its peak
        var peak2 = PeakRssMib(second.Pid);

        return
        [
            new BenchResult("allocator_10k_s", createToAllocated, createToAllocated, createToAllocated, "s", 1, 5, "goal"),
            new BenchResult("allocator_restart_10k_s", restart, restart, restart, "s", 1, 1, "goal"),
            new BenchResult("allocator_rss_mib", Math.Max(peak1, peak2), Math.Min(peak1, peak2), Math.Max(peak1, peak2), "MiB", 2, 40, "goal"),
        ];
    }

    private static async Task WaitAllocatedAsync(AllocatorLab lab, CancellationToken ct)
    {
        var type = lab.Api.Registry.InGroupVersion("", "v1").First(t => t.Kind == "Service");
        while (true)
        {
            var items = lab.Api.List(new KubeApiServer.Target(type, "bench", null, null), new KubeApiServer.ListOptions()).Items;
            if (items.Count(s => s["status"]?["loadBalancer"]?["ingress"] is JsonArray { Count: > 0 }) == Services) return;
            await Task.Delay(50, ct);
        }
    }

    private static async Task WaitReadyAsync(int port, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        while (true)
        {
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{port}/readyz", ct)).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested) { }
            await Task.Delay(5, ct);
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>VmHWM: the process's peak resident set.</summary>
    public static double PeakRssMib(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        return double.NaN;
    }
}
