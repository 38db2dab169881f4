using System.Diagnostics;
using System.Net;

namespace Purelb.Tests.Bgp;

/// <summary>
/// Follows the router namespace's kernel routes through `ip monitor route`, so a measurement learns about a
/// route change when the kernel announces it instead of when the next spawned `ip route show` gets to run
/// (on a loaded machine a spawn costs tens of milliseconds). Every match is confirmed with one
/// `ip route show` afterwards: bird may replace a route by deleting and re-adding it.
/// </summary>
public sealed class RouterRouteMonitor : IAsyncDisposable
{
    private readonly Func<IPNetwork, CancellationToken, Task<IReadOnlyList<IPAddress>>> _read;
    private readonly Process _ip;
    private readonly Task _reader;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SortedSet<string>> _routes = new(StringComparer.Ordinal);
    private readonly List<(string Prefix, string[] Hops, TaskCompletionSource<long> Done)> _waiters = [];
    private string? _current;
    private static readonly char[] Blanks = [' ', '\t'];

    private RouterRouteMonitor(Func<IPNetwork, CancellationToken, Task<IReadOnlyList<IPAddress>>> read, Process ip)
    {
        _read = read;
        _ip = ip;
        _reader = Task.Run(ReadAsync);
    }

    public static Task<RouterRouteMonitor> StartAsync(BgpLab lab) => StartAsync(lab.RouterNamespace, lab.RouterNextHopsAsync);

    public static Task<RouterRouteMonitor> StartAsync(LanRouter router) => StartAsync(router.Namespace.Name, router.NextHopsAsync);

    /// <param name="read">A fresh read of a prefix's gateways in that namespace, to confirm a match.</param>
    public static async Task<RouterRouteMonitor> StartAsync(string routerNamespace,
        Func<IPNetwork, CancellationToken, Task<IReadOnlyList<IPAddress>>> read)
    {
        var psi = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in new[] { "-n", routerNamespace, "monitor", "route" }) psi.ArgumentList.Add(a);
        var monitor = new RouterRouteMonitor(read, Process.Start(psi) ?? throw new InvalidOperationException("cannot start ip monitor"));
        await Task.Delay(100); // let it subscribe before anything is measured
        return monitor;
    }

    /// <summary>Waits until the kernel reported the route for <paramref name="prefix"/> with exactly these
    /// gateways (none = no route) and a fresh read agrees. Returns the Stopwatch timestamp of the report.</summary>
    public async Task<long> WaitAsync(IPNetwork prefix, IPAddress[] hops, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var key = prefix.ToString();
        var want = hops.Select(h => h.ToString()).Order(StringComparer.Ordinal).ToArray();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_lock)
            {
                if (Matches(key, want)) done.TrySetResult(Stopwatch.GetTimestamp());
                else _waiters.Add((key, want, done));
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException($"{prefix}: no route with [{string.Join(", ", want)}]");
            var at = await done.Task.WaitAsync(left, cancellationToken);
            var now = await _read(prefix, cancellationToken);
            if (now.Select(a => a.ToString()).SequenceEqual(want)) return at;
        }
    }

    private bool Matches(string prefix, string[] want) =>
        _routes.TryGetValue(prefix, out var hops) ? hops.SequenceEqual(want) : want.Length == 0;

    private async Task ReadAsync()
    {
        while (await _ip.StandardOutput.ReadLineAsync() is { } line)
        {
            lock (_lock)
            {
                Apply(line);
                var now = Stopwatch.GetTimestamp();
                for (int i = _waiters.Count - 1; i >= 0; i--)
                {
                    var w = _waiters[i];
                    if (!Matches(w.Prefix, w.Hops)) continue;
                    w.Done.TrySetResult(now);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    // "198.51.100.10 proto bird metric 32" + "\tnexthop via 192.0.2.11 dev br0 weight 1" lines (ECMP),
    // "198.51.100.10 via 192.0.2.11 dev br0 proto bird metric 32" (one next hop), "Deleted ..." (gone).
    private void Apply(string line)
    {
        if (line.Length == 0) return;
        if (char.IsWhiteSpace(line[0]))
        {
            var words = line.Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
            if (_current is not null && words is ["nexthop", "via", var gw, ..]) _routes[_current].Add(gw);
            return;
        }
        var deleted = line.StartsWith("Deleted ", StringComparison.Ordinal);
        var tokens = line[(deleted ? 8 : 0)..].Split(Blanks, StringSplitOptions.RemoveEmptyEntries);
        _current = null;
        if (tokens.Length == 0 || !IPNetwork.TryParse(tokens[0].Contains('/') ? tokens[0] : tokens[0] + (tokens[0].Contains(':') ? "/128" : "/32"), out var dst))
            return;
        var key = dst.ToString();
        if (deleted)
        {
            _routes.Remove(key);
            return;
        }
        var hops = new SortedSet<string>(StringComparer.Ordinal);
        for (int i = 1; i + 1 < tokens.Length; i++)
            if (tokens[i] == "via") hops.Add(tokens[i + 1]);
        _routes[key] = hops;
        _current = key;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _ip.Kill();
            await _ip.WaitForExitAsync();
            await _reader;
        }
        catch (Exception)
        {
            // Already exited.
        }
        _ip.Dispose();
    }
}
