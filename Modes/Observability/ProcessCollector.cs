using System.Diagnostics;

namespace Purelb.Modes.Observability;

/// <summary>Process figures and build info, read at scrape time.</summary>
public static class ProcessCollector
{
    public static void Register(MetricRegistry registry, string version, string mode)
    {
        var start = Process.GetCurrentProcess().StartTime.ToUniversalTime();
        registry.AddCollector(() =>
        {
            using var self = Process.GetCurrentProcess();
            return
            [
                ("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", self.WorkingSet64),
                ("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter", self.TotalProcessorTime.TotalSeconds),
                ("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge",
                    (start - DateTime.UnixEpoch).TotalSeconds),
                ("dotnet_gc_heap_size_bytes", "Managed heap size in bytes.", "gauge", GC.GetTotalMemory(false)),
                ($"purelb_build_info{{version=\"{version}\",mode=\"{mode}\"}}", "Build of the running purelb.", "gauge", 1),
            ];
        });
    }
}
