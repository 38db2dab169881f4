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

    /// <summary>Resident pages by mapping, from /proc/PID/smaps: the executable's read-only and code pages, its
    /// writable data (file-backed, and copied on write: private), libraries, and anonymous memory (heap, stacks).</summary>
    public static string Mappings(int pid)
    {
        var exe = File.ResolveLinkTarget($"/proc/{pid}/exe", false)?.FullName ?? "";
        double exeText = 0, exeDataFile = 0, exeDataCow = 0, libs = 0, anon = 0;
        string path = "", perms = "";
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 5 && parts[0].Contains('-') && !parts[0].EndsWith(':'))
            {
                perms = parts[1];
                path = parts.Length == 6 ? parts[5].Trim() : "";
                continue;
            }
            if (parts.Length < 2 || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var kb)) continue;
            bool isExe = path == exe || (exe.Length > 0 && path.StartsWith(exe, StringComparison.Ordinal));
            switch (parts[0])
            {
                case "Rss:" when isExe && perms.StartsWith("rw", StringComparison.Ordinal): exeDataFile += kb; break;
                case "Rss:" when isExe: exeText += kb; break;
                case "Rss:" when path.StartsWith('/'): libs += kb; break;
                case "Rss:": anon += kb; break;
                case "Anonymous:" when isExe && perms.StartsWith("rw", StringComparison.Ordinal): exeDataCow += kb; exeDataFile -= kb; break;
            }
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"binary code+rodata {exeText / 1024:0.0} MiB, binary data {exeDataFile / 1024:0.0} clean + {exeDataCow / 1024:0.0} copied, libraries {libs / 1024:0.0}, anonymous {anon / 1024:0.0}");
    }

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
