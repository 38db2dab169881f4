using System.Diagnostics;
using System.Net;
using Purelb.Netlink;
using Purelb.Netlink.Route;

namespace Purelb.Bench.Benchmarks;

/// <summary>
/// Adds then deletes 1,000 addresses on a veth in a namespace this benchmark creates, once with our rtnetlink
/// codec and once with `ip -batch` (iproute2), alternating, several trials each. Both timings include opening
/// the netlink socket (ours: RtNetlink.Open; ip: process start). Also reports managed bytes allocated per
/// add/delete in steady state. Needs root; cleans the namespace up.
/// </summary>
public sealed class NetlinkBenchmark : IBenchmark
{
    private const int Addresses = 1000;
    private const int Trials = 5;

    public IReadOnlyList<string> Names => ["netlink_vs_ip_batch_ratio", "netlink_1k_ms", "netlink_1k_unbatched_ms", "ip_batch_1k_ms", "netlink_alloc_bytes_per_op"];

    public string Group => "netlink";

    public async Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        string name = "plb-nl-bench-" + Convert.ToHexString(Guid.NewGuid().ToByteArray().AsSpan(0, 3)).ToLowerInvariant();
        await Ip(cancellationToken, "netns", "add", name);
        try
        {
            await Ip(cancellationToken, "-n", name, "link", "add", "v0", "type", "veth", "peer", "name", "v1");
            await Ip(cancellationToken, "-n", name, "link", "set", "v0", "up");
            await Ip(cancellationToken, "-n", name, "link", "set", "v1", "up");
            var vips = Enumerable.Range(0, Addresses).Select(i => new IPAddress(new byte[] { 10, 200, (byte)(i / 250), (byte)(i % 250 + 1) })).ToArray();
            string batch = Path.Combine(Path.GetTempPath(), name + ".batch");
            await File.WriteAllLinesAsync(batch,
                vips.Select(v => $"addr replace {v}/32 dev v0 valid_lft 300 preferred_lft 300 noprefixroute")
                    .Concat(vips.Select(v => $"addr del {v}/32 dev v0")), cancellationToken);

            using var ns = NetworkNamespace.Open(name);
            var ours = new List<double>();
            var unbatched = new List<double>();
            var theirs = new List<double>();
            double allocPerOp = 0;
            var options = new AddressOptions(300, 300, AddressFlags.NoPrefixRoute);
            RunOurs(ns, vips, options, batched: true); // warm-up: JIT and kernel caches
            RunOurs(ns, vips, options, batched: false);
            for (int t = 0; t < Trials; t++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var sw = Stopwatch.StartNew();
                allocPerOp = Math.Max(allocPerOp, RunOurs(ns, vips, options, batched: true));
                ours.Add(sw.Elapsed.TotalMilliseconds);

                sw.Restart();
                allocPerOp = Math.Max(allocPerOp, RunOurs(ns, vips, options, batched: false));
                unbatched.Add(sw.Elapsed.TotalMilliseconds);

                sw.Restart();
                await Ip(cancellationToken, "-n", name, "-batch", batch);
                theirs.Add(sw.Elapsed.TotalMilliseconds);
            }
            File.Delete(batch);

            var oursResult = BenchResult.FromTrials("netlink_1k_ms", ours, "ms", null, null);
            var ipResult = BenchResult.FromTrials("ip_batch_1k_ms", theirs, "ms", null, "iproute2 ip -batch, measured here");
            var ratios = ours.Zip(theirs, (a, b) => a / b).ToList();
            return
            [
                BenchResult.FromTrials("netlink_vs_ip_batch_ratio", ratios, "×", 0.5, "goal"),
                oursResult with { Baseline = ipResult.Median, BaselineSource = "ip -batch, measured here" },
                BenchResult.FromTrials("netlink_1k_unbatched_ms", unbatched, "ms", ipResult.Median, "ip -batch, measured here"),
                ipResult,
                new BenchResult("netlink_alloc_bytes_per_op", allocPerOp, allocPerOp, allocPerOp, "bytes", 1, 0, "goal"),
            ];
        }
        finally
        {
            await Ip(CancellationToken.None, "netns", "del", name);
        }
    }

    /// <summary>
    /// Opens a connection in the namespace, adds and deletes every address (64 requests per datagram when
    /// <paramref name="batched"/>, else one round trip each); returns managed bytes allocated per operation.
    /// </summary>
    private static double RunOurs(NetworkNamespace ns, IPAddress[] vips, AddressOptions options, bool batched)
    {
        using var rtnl = RtNetlink.Open(ns);
        int index = rtnl.Links.GetByName("v0").Index;
        var results = new Purelb.Netlink.Interop.Errno[vips.Length];
        long before = GC.GetAllocatedBytesForCurrentThread();
        if (batched)
        {
            if (rtnl.Addresses.ReplaceMany(index, vips, 32, options, results) != 0) throw new InvalidOperationException("batched add failed");
            if (rtnl.Addresses.DeleteMany(index, vips, 32, results) != 0) throw new InvalidOperationException("batched delete failed");
        }
        else
        {
            foreach (var vip in vips) rtnl.Addresses.Replace(index, vip, 32, options);
            foreach (var vip in vips) rtnl.Addresses.Delete(index, vip, 32);
        }
        return (GC.GetAllocatedBytesForCurrentThread() - before) / (2.0 * vips.Length);
    }

    private static async Task Ip(CancellationToken cancellationToken, params string[] args)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync(cancellationToken);
        await p.StandardOutput.ReadToEndAsync(cancellationToken);
        await p.WaitForExitAsync(cancellationToken);
        if (p.ExitCode != 0) throw new InvalidOperationException($"ip {string.Join(' ', args)}: {await stderr}");
    }
}
