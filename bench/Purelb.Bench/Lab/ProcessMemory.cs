using System.Globalization;

namespace Purelb.Bench.Lab;

/// <summary>A process's memory as the kernel and the process itself report it, for the RSS figures and the
/// breakdown printed next to them.</summary>
public static class ProcessMemory
{
    /// <summary>One field of /proc/PID/status in kB (Threads: a count); NaN when absent.</summary>
    public static double StatusKib(int pid, string key)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
                return double.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return double.NaN;
    }

    /// <summary>VmHWM: the process's peak resident set.</summary>
    public static double PeakRssMib(int pid) => StatusKib(pid, "VmHWM") / 1024;

    /// <summary>Where the resident memory is: peak, now, anonymous (heap, stacks) and file-backed (the mapped binary).</summary>
    public static string Breakdown(int pid) => string.Create(CultureInfo.InvariantCulture,
        $"VmHWM {StatusKib(pid, "VmHWM") / 1024:0.0} MiB, VmRSS {StatusKib(pid, "VmRSS") / 1024:0.0}, RssAnon {StatusKib(pid, "RssAnon") / 1024:0.0}, " +
        $"RssFile {StatusKib(pid, "RssFile") / 1024:0.0}, threads {StatusKib(pid, "Threads"):0}");

    /// <summary>The process's own view of its managed heap, from the text of its /metrics.</summary>
    public static string GcHeap(string metrics)
    {
        double Value(string name) =>
            metrics.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal)) is { } line
                ? double.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture)
                : double.NaN;
        double Mib(string name) => Value(name) / 1048576;
        string Count(string generation) =>
            Value($"dotnet_gc_collections_total{{generation=\"{generation}\"}}").ToString("0", CultureInfo.InvariantCulture);
        string Generations() => string.Join(" ", new[] { "gen0", "gen1", "gen2", "loh", "poh" }
            .Select(g => string.Create(CultureInfo.InvariantCulture, $"{g} {Mib($"dotnet_gc_generation_size_bytes{{generation=\"{g}\"}}"):0.0}")));
        return string.Create(CultureInfo.InvariantCulture,
            $"managed heap {Mib("dotnet_gc_heap_size_bytes"):0.0} MiB, GC committed {Mib("dotnet_gc_committed_bytes"):0.0} MiB " +
            $"(after the last collection: {Generations()}; fragmented {Mib("dotnet_gc_fragmented_bytes"):0.0}); " +
            $"allocated {Mib("dotnet_gc_allocated_bytes_total"):0} MiB in {Count("gen0")} collections ({Count("gen1")} gen1, {Count("gen2")} gen2)");
    }
}
