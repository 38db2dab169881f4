using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using KubeApiServer;
using Purelb.Tests.Allocator;

using Purelb.Bench.Lab;

namespace Purelb.Bench.Benchmarks;

/// <summary>
/// The real allocator binary against the in-repo API server: 10,000 Services created → every one allocated,
/// then a restart with those 10,000 existing → /readyz, and the allocator's peak RSS over both. One API server
/// serves the warm-up and every trial, as a cluster's would: starting a new one per trial made its JIT compile its
/// host again during each measured burst, on the cores the allocator needs. Each trial has a namespace of its own,
/// emptied (and the server's history compacted) before the next, so every trial starts with no Services.
/// Completion is seen through a watch on the server's Services, registered before the first create, so the clock
/// stops at the commit of the last Service's status and nothing polls the whole list.
/// </summary>
public sealed class AllocatorBenchmark : IBenchmark
{
    private const int Services = 10_000;
    private const int Trials = 5;

    public IReadOnlyList<string> Names =>
        ["allocator_10k_s", "allocator_10k_cpu_s", "allocator_restart_10k_s", "allocator_rss_mib"];

    public string Group => "allocator";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        Environment.SetEnvironmentVariable("PURELB_BINARY", context.Binary);
        List<double> allocate = [], cpu = [], restart = [], rss = [];
        await using var lab = await AllocatorLab.StartAsync();
        lab.ServiceGroup("default", "10.0.0.0/16", "10.0.0.0/16");
        // The first burst also JIT-compiles the in-process API server (purelb itself is AOT and restarted every
        // trial): run it once uncounted so the trials measure the allocator, not the harness warming up.
        var warm = await TrialAsync(lab, "bench0", cancellationToken);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    warm-up (not counted): 10k {warm.Allocate:0.00} s, peak rss {warm.PeakRss:0.0} MiB"));
        var trials = context.Trials(Trials);
        for (var trial = 0; trial < trials; trial++)
        {
            var t = await TrialAsync(lab, $"bench{trial + 1}", cancellationToken);
            allocate.Add(t.Allocate);
            cpu.Add(t.AllocatorCpu);
            restart.Add(t.Restart);
            rss.Add(t.PeakRss);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    trial {trial + 1}: 10k {t.Allocate:0.00} s (allocator cpu {t.AllocatorCpu:0.00} s, {t.Requests} API requests), " +
                $"restart {t.Restart:0.000} s, peak rss {t.PeakRss:0.0} MiB, load average {t.LoadBefore} → {t.LoadAfter}"));
        }
        return
        [
            BenchResult.FromTrials("allocator_10k_s", allocate, "s", 5, "goal"),
            BenchResult.FromTrials("allocator_10k_cpu_s", cpu, "s", null, null),
            BenchResult.FromTrials("allocator_restart_10k_s", restart, "s", 1, "goal"),
            BenchResult.FromTrials("allocator_rss_mib", rss, "MiB", 40, "goal"),
        ];
    }

    private sealed record Trial(double Allocate, double AllocatorCpu, long Requests, double Restart, double PeakRss,
        string LoadBefore, string LoadAfter);

    private static async Task<Trial> TrialAsync(AllocatorLab lab, string ns, CancellationToken ct)
    {
        lab.Create(AllocatorLab.Json($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{ns}}}"}}"""));
        var port = FreePort();
        var first = lab.StartAllocator($"127.0.0.1:{port}", "warning");
        await WaitReadyAsync(port, ct);
        await ReportMemoryAsync("idle", first.Pid, port, ct);
        var cpuBefore = CpuSeconds(first.Pid);
        var loadBefore = LoadAverage();
        var requestsBefore = lab.Api.RequestLog.Count;

        using var allocated = AllocatedWatch.Start(lab.Api, ns);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < Services; i++)
            // As on a real cluster, 10,000 node ports do not exist: the Services ask for none.
            lab.Service(ns, $"s{i:D5}", extraSpec: ""","allocateLoadBalancerNodePorts":false""");
        var created = sw.Elapsed.TotalSeconds;
        await allocated.WaitAsync(Services, ct);
        var createToAllocated = sw.Elapsed.TotalSeconds;
        await DumpPause.IfAskedAsync([("allocator", first.Pid)], ct);
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    last create returned at {created:0.00} s, last allocation seen at {createToAllocated:0.00} s"));
        var cpu = CpuSeconds(first.Pid) - cpuBefore;
        var requests = lab.Api.RequestLog.Count - requestsBefore;
        Console.Error.WriteLine("    requests: " + string.Join(", ", lab.Api.RequestLog.Skip(requestsBefore)
            .GroupBy(r => $"{r.Method} {Kind(r.Path)}{(r.Watch ? " watch" : "")}").OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}")));
        var loadAfter = LoadAverage();
        var peak1 = ProcessMemory.PeakRssMib(first.Pid);
        await ReportMemoryAsync("after 10k", first.Pid, port, ct);

        first.Kill();
        first.WaitForExit(TimeSpan.FromSeconds(5));
        port = FreePort();
        sw.Restart();
        var second = lab.StartAllocator($"127.0.0.1:{port}", "warning");
        await WaitReadyAsync(port, ct);
        var restart = sw.Elapsed.TotalSeconds;
        await Task.Delay(500, ct); // let it finish re-checking every Service before reading its peak
        var peak2 = ProcessMemory.PeakRssMib(second.Pid);
        await ReportMemoryAsync("after restart", second.Pid, port, ct);
        second.Kill();
        second.WaitForExit(TimeSpan.FromSeconds(5));
        Empty(lab.Api, ns);
        return new Trial(createToAllocated, cpu, requests, restart, Math.Max(peak1, peak2), loadBefore, loadAfter);
    }

    /// <summary>Deletes the trial's Services and compacts the history, so the next trial's allocator lists none.</summary>
    private static void Empty(ApiServer api, string ns)
    {
        var type = api.Registry.InGroupVersion("", "v1").First(t => t.Kind == "Service");
        api.DeleteCollection(new Target(type, ns, null, null), new KubeApiServer.ListOptions(), new WriteOptions());
        api.CompactHistory();
    }

    /// <summary>
    /// A watch on the API server's Services of one namespace (the same feed an HTTP watch client gets), counting
    /// the distinct Services whose stored status has at least one ingress address.
    /// </summary>
    private sealed class AllocatedWatch : IDisposable
    {
        private readonly ApiServer _api;
        private readonly Watcher _watcher;
        private readonly string _ns;
        private readonly HashSet<string> _done = new(StringComparer.Ordinal);

        private AllocatedWatch(ApiServer api, Watcher watcher, string ns)
        {
            _api = api;
            _watcher = watcher;
            _ns = ns;
        }

        public static AllocatedWatch Start(ApiServer api, string ns)
        {
            var type = api.Registry.InGroupVersion("", "v1").First(t => t.Kind == "Service");
            var watcher = new Watcher(type.StorageKey);
            lock (api.Store.Lock) api.Store.AddWatcher(watcher);
            return new AllocatedWatch(api, watcher, ns);
        }

        public async Task WaitAsync(int count, CancellationToken ct)
        {
            while (_done.Count < count && await _watcher.Reader.WaitToReadAsync(ct))
            {
                while (_watcher.Reader.TryRead(out var e))
                {
                    var md = e.Object["metadata"]!;
                    if ((string?)md["namespace"] != _ns) continue;
                    var name = (string)md["name"]!;
                    if (e.Type != "DELETED" && e.Object["status"]?["loadBalancer"]?["ingress"] is JsonArray { Count: > 0 })
                        _done.Add(name);
                    else
                        _done.Remove(name);
                }
            }
        }

        public void Dispose()
        {
            lock (_api.Store.Lock) _api.Store.RemoveWatcher(_watcher);
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

    /// <summary>Where the allocator's memory sits at this point, so a miss on the RSS goal points at its cause.</summary>
    private static async Task ReportMemoryAsync(string when, int pid, int port, CancellationToken ct)
    {
        string heap;
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            heap = ProcessMemory.GcHeap(await http.GetStringAsync($"http://127.0.0.1:{port}/metrics", ct));
        }
        catch (HttpRequestException e)
        {
            heap = "metrics unavailable: " + e.Message;
        }
        Console.Error.WriteLine($"    memory {when}: {ProcessMemory.Breakdown(pid)}; {ProcessMemory.Mappings(pid)}; {heap}");
    }

    /// <summary>User + system CPU time the process has used (fields 14 and 15 of /proc/PID/stat, in clock ticks of 1/100 s).</summary>
    private static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
    }

    /// <summary>"services/status", "events"…: the resource (and subresource) a request path names.</summary>
    private static string Kind(string path)
    {
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var i = Array.IndexOf(parts, "namespaces");
        var rest = i >= 0 && parts.Length > i + 2 ? parts[(i + 2)..] : parts[Math.Min(parts.Length, parts.Length > 0 && parts[0] == "api" ? 2 : 3)..];
        return rest.Length switch { 0 => path, 1 or 2 => rest[0], _ => rest[0] + "/" + rest[2] };
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
