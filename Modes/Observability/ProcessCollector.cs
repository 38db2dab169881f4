using System.Diagnostics;

namespace Purelb.Modes.Observability;

/// <summary>Process figures and build info, read at scrape time.</summary>
public static class ProcessCollector
{
    /// <summary>The runtime's generation order in <see cref="GCMemoryInfo.GenerationInfo"/>.</summary>
    private static readonly string[] Generations = ["gen0", "gen1", "gen2", "loh", "poh"];

    public static void Register(MetricRegistry registry, string version, string mode)
    {
        var start = Process.GetCurrentProcess().StartTime.ToUniversalTime();
        registry.AddCollector(() =>
        {
            using var self = Process.GetCurrentProcess();
            var gc = GC.GetGCMemoryInfo();
            return
            [
                ("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", self.WorkingSet64),
                ("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter", self.TotalProcessorTime.TotalSeconds),
                ("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge",
                    (start - DateTime.UnixEpoch).TotalSeconds),
                ("dotnet_gc_heap_size_bytes", "Managed heap size in bytes.", "gauge", GC.GetTotalMemory(false)),
                // Committed minus heap size is what the collector holds in reserve: the usual gap between RSS and heap.
                ("dotnet_gc_committed_bytes", "Memory the garbage collector has committed, as of the last collection.", "gauge", gc.TotalCommittedBytes),
                ("dotnet_gc_fragmented_bytes", "Free space inside the managed heap, as of the last collection.", "gauge", gc.FragmentedBytes),
                // Per generation, so a gap between heap and committed can be placed: gen0 budget, promoted data, large objects.
                .. Generations.Select((g, i) => ($"dotnet_gc_generation_size_bytes{{generation=\"{g}\"}}",
                    "Size of each managed heap generation after the last collection.", "gauge", (double)gc.GenerationInfo[i].SizeAfterBytes)),
                // What the process allocated and how often that made the collector run: the cost side of the
                // memory figures (a smaller heap is bought with more collections). Precise: the cheap count includes
                // every thread's unused allocation buffer, so it can step back after a collection; the precise one
                // briefly pauses managed threads, once per scrape.
                ("dotnet_gc_allocated_bytes_total", "Bytes allocated on the managed heap since start.", "counter",
                    (double)GC.GetTotalAllocatedBytes(true)),
                // GC.CollectionCount knows gen0..gen2 (the large and pinned heaps are collected with gen2).
                .. Generations.Take(GC.MaxGeneration + 1).Select((g, i) => ($"dotnet_gc_collections_total{{generation=\"{g}\"}}",
                    "Garbage collections of each generation (a collection of a generation includes the younger ones).",
                    "counter", (double)GC.CollectionCount(i))),
                ($"purelb_build_info{{version=\"{version}\",mode=\"{mode}\"}}", "Build of the running purelb.", "gauge", 1),
            ];
        });
    }
}
