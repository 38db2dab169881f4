using System.Diagnostics;
using Purelb.Bench;
using Purelb.Bench.Benchmarks;

// ./build.sh bench [--only NAME[,NAME]] [--trials N] — figures next to their baselines, never pass/fail.
// --trials overrides the allocator group's trial count, for a quick look while working; the report says how many ran.
// --binary runs another purelb than out/purelb; --no-report leaves bench/report.* alone (bench/method-order.sh uses both).
string root = Directory.GetCurrentDirectory();
string[] only = [];
int? trials = null;
string? binary = null;
var report = true;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--root" && i + 1 < args.Length) root = args[++i];
    else if (args[i] == "--only" && i + 1 < args.Length) only = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries);
    else if (args[i] == "--trials" && i + 1 < args.Length) trials = int.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture);
    else if (args[i] == "--binary" && i + 1 < args.Length) binary = Path.GetFullPath(args[++i]);
    else if (args[i] == "--no-report") report = false;
}

var context = new BenchContext(root, binary ?? Path.Combine(root, "out", "purelb"), trials);
IBenchmark[] all =
[
    new BinaryBenchmark(),
    new NetlinkBenchmark(),
    new BgpBenchmark(),
    new IpamBenchmark(),
    new AllocatorBenchmark(),
    new AgentBenchmark(),
    new RemoteBenchmark(),
];

var selected = all.Where(b => only.Length == 0 || only.Contains(b.Group) || b.Names.Any(only.Contains)).ToList();
var results = new List<BenchResult>();
using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
foreach (var bench in selected)
{
    var sw = Stopwatch.StartNew();
    Console.Error.WriteLine($"==> bench {bench.Group}");
    try
    {
        var got = await bench.RunAsync(context, cts.Token);
        results.AddRange(only.Length == 0 || only.Contains(bench.Group) ? got : got.Where(r => only.Contains(r.Name)));
    }
    catch (Exception e)
    {
        Console.Error.WriteLine($"    {bench.Group} failed: {e.Message}");
    }
    Console.Error.WriteLine($"    {sw.Elapsed.TotalSeconds:0.0} s");
}

var markdown = ReportWriter.Markdown(results);
if (report)
{
    Directory.CreateDirectory(Path.Combine(root, "bench"));
    await File.WriteAllTextAsync(Path.Combine(root, "bench", "report.md"), "# purelb benchmark report\n\n" + markdown);
    await File.WriteAllTextAsync(Path.Combine(root, "bench", "report.json"), ReportWriter.Json(results));
}
Console.WriteLine(markdown);
return 0;
