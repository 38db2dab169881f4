using System.Diagnostics;

namespace Purelb.Bench.Benchmarks;

/// <summary>Size of the native-AOT binary and the time from exec to `--help` printed and exited.</summary>
public sealed class BinaryBenchmark : IBenchmark
{
    public IReadOnlyList<string> Names => ["binary_mib", "startup_ms"];

    public string Group => "binary";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var size = new FileInfo(context.Binary).Length / 1024.0 / 1024.0;
        var trials = new List<double>();
        for (int i = 0; i < 21; i++)
        {
            var sw = Stopwatch.StartNew();
            using var p = Process.Start(new ProcessStartInfo(context.Binary, "--help")
            {
                RedirectStandardOutput = true,
                UseShellExecute = false,
            })!;
            await p.StandardOutput.ReadToEndAsync(cancellationToken);
            await p.WaitForExitAsync(cancellationToken);
            sw.Stop();
            if (i > 0) trials.Add(sw.Elapsed.TotalMilliseconds); // the first run warms the page cache
        }
        return
        [
            new BenchResult("binary_mib", size, size, size, "MiB", 1, 25, "goal"),
            BenchResult.FromTrials("startup_ms", trials, "ms", 50, "goal"),
        ];
    }
}
