using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Purelb.Modes.Observability;
using Xunit;

namespace Purelb.Tests.Observability;

public class ObservabilityServerTests
{
    [Fact]
    public async Task Serves_metrics_in_prometheus_text_format()
    {
        var registry = new MetricRegistry();
        var size = registry.Gauge("purelb_address_pool_size", "Total addresses.", "pool");
        var rejected = registry.Counter("purelb_address_pool_allocation_rejected_total", "Rejections.", "pool", "reason");
        size.Set(256, "default");
        rejected.Inc("default", "exhausted");
        rejected.Inc("default", "exhausted");
        await using var server = new ObservabilityServer("127.0.0.1:0", registry, new HealthChecks(), NullLogger.Instance);
        server.Start();
        using var http = new HttpClient();
        var response = await http.GetAsync($"http://127.0.0.1:{server.LocalEndPoint.Port}/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("# TYPE purelb_address_pool_size gauge\n", text);
        Assert.Contains("purelb_address_pool_size{pool=\"default\"} 256\n", text);
        Assert.Contains("purelb_address_pool_allocation_rejected_total{pool=\"default\",reason=\"exhausted\"} 2\n", text);
    }

    [Fact]
    public async Task Readyz_fails_until_every_check_passes()
    {
        var health = new HealthChecks();
        bool synced = false;
        health.AddReadiness("informers-synced", () => (synced, synced ? "" : "waiting for the first list"));
        await using var server = new ObservabilityServer("127.0.0.1:0", new MetricRegistry(), health, NullLogger.Instance);
        server.Start();
        using var http = new HttpClient();
        var url = $"http://127.0.0.1:{server.LocalEndPoint.Port}/readyz";
        var before = await http.GetAsync(url);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        Assert.Contains("waiting for the first list", await before.Content.ReadAsStringAsync());
        synced = true;
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"http://127.0.0.1:{server.LocalEndPoint.Port}/nope")).StatusCode);
    }

    /// <summary>The value of the one sample named <paramref name="name"/> in a /metrics text.</summary>
    private static double Sample(string text, string name) => double.Parse(
        text.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ')[1],
        System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Process_figures_include_the_collector_reserve_next_to_the_heap()
    {
        var registry = new MetricRegistry();
        ProcessCollector.Register(registry, "test", "allocator");
        GC.Collect(); // GetGCMemoryInfo reports as of the last collection
        var text = registry.Render();
        double Value(string name) => Sample(text, name);
        Assert.True(Value("process_resident_memory_bytes") > 0, text);
        Assert.True(Value("dotnet_gc_heap_size_bytes") > 0, text);
        // Committed covers at least the live heap; fragmentation is part of it.
        Assert.True(Value("dotnet_gc_committed_bytes") > 0, text);
        Assert.InRange(Value("dotnet_gc_fragmented_bytes"), 0, Value("dotnet_gc_committed_bytes"));
        Assert.Contains("# TYPE dotnet_gc_committed_bytes gauge", text);
    }

    [Fact]
    public void Generation_sizes_are_one_family_with_a_sample_per_generation()
    {
        var registry = new MetricRegistry();
        ProcessCollector.Register(registry, "test", "allocator");
        var survivor = new byte[200_000]; // large-object heap
        GC.Collect();
        GC.Collect();
        var text = registry.Render();
        GC.KeepAlive(survivor);
        var lines = text.Split('\n');
        Assert.Single(lines, l => l == "# TYPE dotnet_gc_generation_size_bytes gauge");
        Assert.Single(lines, l => l.StartsWith("# HELP dotnet_gc_generation_size_bytes ", StringComparison.Ordinal));
        var samples = lines.Where(l => l.StartsWith("dotnet_gc_generation_size_bytes{", StringComparison.Ordinal)).ToList();
        Assert.Equal(["gen0", "gen1", "gen2", "loh", "poh"], samples.Select(l => l.Split('"')[1]));
        var loh = double.Parse(samples[3].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(loh >= survivor.Length, text);
    }

    [Fact]
    public void Allocated_bytes_and_collections_count_up_with_the_work_done()
    {
        var registry = new MetricRegistry();
        ProcessCollector.Register(registry, "test", "allocator");
        var before = registry.Render();
        var garbage = new byte[4 * 1024 * 1024];
        GC.KeepAlive(garbage);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        var after = registry.Render();

        Assert.Contains("# TYPE dotnet_gc_allocated_bytes_total counter", after);
        Assert.True(Sample(after, "dotnet_gc_allocated_bytes_total") - Sample(before, "dotnet_gc_allocated_bytes_total") >= garbage.Length);
        Assert.Single(after.Split('\n'), l => l == "# TYPE dotnet_gc_collections_total counter");
        foreach (var g in new[] { "gen0", "gen1", "gen2" })
        {
            var name = $"dotnet_gc_collections_total{{generation=\"{g}\"}}";
            Assert.True(Sample(after, name) >= Sample(before, name) + 1, $"{g}: {after}");
        }
    }

    [Fact]
    public void Dropped_events_are_summed_over_every_recorder()
    {
        var stub = new Purelb.Tests.Kube.StubHttp(r => Purelb.Tests.Kube.StubHttp.Json(r.Body));
        using var api = stub.Client();
        var local = new Purelb.Kube.EventRecorder(api, "purelb-lbnodeagent", TimeProvider.System, maxPending: 1);
        var remote = new Purelb.Kube.EventRecorder(api, "purelb-lbnodeagent", TimeProvider.System, maxPending: 1);
        var registry = new MetricRegistry();
        EventMetrics.Register(registry, local, remote);
        var svc = new k8s.Models.V1ObjectReference { Kind = "Service", Name = "web", NamespaceProperty = "ns" };
        for (var i = 0; i < 3; i++) local.Record(svc, "Normal", "AnnouncingLocal", $"m{i}");
        for (var i = 0; i < 2; i++) remote.Record(svc, "Warning", "AnnouncementFailed", $"m{i}");
        Assert.Contains("\npurelb_events_dropped_total 3\n", "\n" + registry.Render());
    }

    [Fact]
    public void Histogram_buckets_are_cumulative()
    {
        var registry = new MetricRegistry();
        var h = registry.Histogram("rpc_seconds", "RPC latency.", [0.1, 1], "method");
        h.Observe(0.05, "Add");
        h.Observe(0.5, "Add");
        h.Observe(5, "Add");
        var text = registry.Render();
        Assert.Contains("rpc_seconds_bucket{method=\"Add\",le=\"0.1\"} 1\n", text);
        Assert.Contains("rpc_seconds_bucket{method=\"Add\",le=\"1\"} 2\n", text);
        Assert.Contains("rpc_seconds_bucket{method=\"Add\",le=\"+Inf\"} 3\n", text);
        Assert.Contains("rpc_seconds_count{method=\"Add\"} 3\n", text);
    }

    [Fact]
    public void Counters_refuse_to_go_down()
    {
        var c = new MetricRegistry().Counter("x_total", "x");
        Assert.Throws<ArgumentOutOfRangeException>(() => c.Add(-1));
    }
}
