using System.Diagnostics;
using System.Runtime.InteropServices;
using Purelb.Ipam;

namespace Purelb.Bench.Benchmarks;

/// <summary>
/// IPAM ledger speed on one thread: allocating for 100,000 Services over IPv4 and IPv6 pools (a third
/// IPv4, a third IPv6, a third dual-stack, some sharing an address), and rebuilding the ledger from
/// 100,000 existing allocations given as status text, as on a restart.
/// The headline figures use the process's CPU time (every thread, so garbage collection counts), because
/// the goal is per core and the build machine is shared; the <c>_wall</c> figures are elapsed time on
/// whatever share of the machine the process got. The GC runs non-concurrently, as in the product
/// (purelb.csproj sets ConcurrentGarbageCollection=false).
/// </summary>
public sealed partial class IpamBenchmark : IBenchmark
{
    private const int Services = 100_000;

    public IReadOnlyList<string> Names => ["ipam_allocs_per_s", "ipam_rebuild_100k_s", "ipam_allocs_per_s_wall", "ipam_rebuild_100k_s_wall"];

    public string Group => "ipam";

    public Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var config = IpamConfig.Build(
        [
            new ServiceGroupConfig("default", "purelb-system", Local: new ServiceGroupLocalConfig(
                V4Pools: [new AddressPoolConfig("10.0.0.0/16", "10.0.0.0/16"), new AddressPoolConfig("10.1.0.0/16", "10.1.0.0/16")],
                V6Pools: [new AddressPoolConfig("2001:db8::/64", "2001:db8::/64")])),
            new ServiceGroupConfig("routed", "purelb-system", Remote: new ServiceGroupRemoteConfig(
                V4Pools: [new AddressPoolConfig("172.16.0.0/14", "172.16.0.0/12", "/32")],
                V6Pools: [new AddressPoolConfig("2001:db8:ff::/48", "2001:db8:ff::/48", "/128")])),
        ]);
        if (config.Problems.Count > 0) throw new InvalidOperationException(string.Join("; ", config.Problems));

        var requests = BuildRequests();
        var oldMode = System.Runtime.GCSettings.LatencyMode;
        System.Runtime.GCSettings.LatencyMode = System.Runtime.GCLatencyMode.Batch;
        try
        {
            return Task.FromResult(Measure(config, requests, cancellationToken));
        }
        finally
        {
            System.Runtime.GCSettings.LatencyMode = oldMode;
        }
    }

    private static IReadOnlyList<BenchResult> Measure(IpamConfig config, List<AllocationRequest> requests, CancellationToken cancellationToken)
    {
        var allocTrials = new List<double>();
        var rebuildTrials = new List<double>();
        var allocWall = new List<double>();
        var rebuildWall = new List<double>();
        List<ExistingAllocation>? existing = null;
        for (int trial = 0; trial < 6; trial++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ledger = new IpamLedger(config);
            var pause = GC.GetTotalPauseDuration();
            var cpu = ProcessCpuSeconds();
            var sw = Stopwatch.StartNew();
            foreach (var r in requests)
            {
                var result = ledger.Allocate(r);
                if (!result.Succeeded) throw new InvalidOperationException(result.ToString());
            }
            sw.Stop();
            cpu = ProcessCpuSeconds() - cpu;
            Console.Error.WriteLine($"    allocate: cpu {cpu:0.000} s, GC pauses {(GC.GetTotalPauseDuration() - pause).TotalSeconds:0.000} s");
            if (trial > 0) // the first trial warms the JIT
            {
                allocTrials.Add(Services / cpu);
                allocWall.Add(Services / sw.Elapsed.TotalSeconds);
            }

            existing ??= ledger.Services.Select(k => ledger.AllocationOf(k)!)
                .Select(a => new ExistingAllocation(a.ServiceKey, a.ServiceKey[..a.ServiceKey.IndexOf('/')],
                    a.Addresses.Select(x => x.ToString()).ToArray(), a.SharingKey, a.Ports))
                .ToList();
            var fresh = new IpamLedger(config);
            pause = GC.GetTotalPauseDuration();
            cpu = ProcessCpuSeconds();
            sw.Restart();
            var report = fresh.Rebuild(existing);
            sw.Stop();
            cpu = ProcessCpuSeconds() - cpu;
            Console.Error.WriteLine($"    rebuild: cpu {cpu:0.000} s, GC pauses {(GC.GetTotalPauseDuration() - pause).TotalSeconds:0.000} s");
            if (report.Adopted != Services) throw new InvalidOperationException($"rebuild adopted {report.Adopted}");
            if (trial > 0)
            {
                rebuildTrials.Add(cpu);
                rebuildWall.Add(sw.Elapsed.TotalSeconds);
            }
        }
        IReadOnlyList<BenchResult> results =
        [
            BenchResult.FromTrials("ipam_allocs_per_s", allocTrials, "allocs/s", 200_000, "goal"),
            BenchResult.FromTrials("ipam_rebuild_100k_s", rebuildTrials, "s", 0.5, "goal"),
            BenchResult.FromTrials("ipam_allocs_per_s_wall", allocWall, "allocs/s", 200_000, "goal"),
            BenchResult.FromTrials("ipam_rebuild_100k_s_wall", rebuildWall, "s", 0.5, "goal"),
        ];
        return results;
    }

    private const int ClockProcessCpuTime = 2;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static partial int ClockGetTime(int clock, out Timespec time);

    /// <summary>CPU time consumed by the whole process.</summary>
    private static double ProcessCpuSeconds()
    {
        if (ClockGetTime(ClockProcessCpuTime, out var t) != 0) throw new InvalidOperationException("clock_gettime failed");
        return t.Seconds + t.Nanoseconds / 1e9;
    }

    private static List<AllocationRequest> BuildRequests()
    {
        IpFamily[][] families = [[IpFamily.IPv4], [IpFamily.IPv6], [IpFamily.IPv4, IpFamily.IPv6]];
        var list = new List<AllocationRequest>(Services);
        for (int i = 0; i < Services; i++)
        {
            var ns = $"team-{i % 50}";
            bool shares = i % 20 == 0;
            list.Add(new AllocationRequest(
                $"{ns}/svc-{i}", ns,
                RequestedGroup: i % 4 == 3 ? "routed" : null,
                IpFamilies: families[i % 3],
                IpFamilyPolicy: i % 3 == 2 ? IpFamilyPolicy.RequireDualStack : IpFamilyPolicy.SingleStack,
                SharingKey: shares ? $"vip-{i / 200}" : null,
                Ports: [new ServicePort(PortProtocol.TCP, shares ? 8000 + i % 200 : 443)]));
        }
        return list;
    }
}
