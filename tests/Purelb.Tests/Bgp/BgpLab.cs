using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Purelb.Bgp;

namespace Purelb.Tests.Bgp;

/// <summary>One "node" of the lab: a namespace with its own Debian gobgpd (API v3 on a unix socket under
/// /tmp, reachable from the test process whatever namespace it runs in), peered with the router.</summary>
public sealed class BgpLabNode
{
    internal Process? Daemon;

    internal BgpLabNode(int index, string ns, string dir)
    {
        Index = index;
        Namespace = ns;
        Ipv4 = IPAddress.Parse($"192.0.2.{10 + index}");
        Ipv6 = IPAddress.Parse($"2001:db8::{10 + index}");
        SocketPath = System.IO.Path.Combine(dir, $"n{index}.sock");
        ConfigPath = System.IO.Path.Combine(dir, $"n{index}.toml");
        LogPath = System.IO.Path.Combine(dir, $"n{index}.log");
    }

    /// <summary>1-based.</summary>
    public int Index { get; }
    public string Namespace { get; }
    public IPAddress Ipv4 { get; }
    /// <summary>The node's global IPv6 address: the next hop its IPv6 announcements must carry.</summary>
    public IPAddress Ipv6 { get; }
    public string SocketPath { get; }
    public string ConfigPath { get; }
    public string LogPath { get; }
    public BgpEndpoint Endpoint => BgpEndpoint.Parse("unix://" + SocketPath);
}

/// <summary>
/// A BGP lab in network namespaces it creates and deletes: a router namespace running bird2 (AS 65001) on a
/// bridge, and N node namespaces (AS 65000) each with its own gobgpd whose peering comes from a config file —
/// the sidecar's job; purelb code only adds paths. bird puts its best routes, ECMP-merged, into the router's
/// kernel table, which is what assertions read. Peering is over IPv4 for both families, as in PureLB's
/// sample BGPConfiguration, so IPv6 announcements need an explicit IPv6 next hop (the spec's IPv6 trap).
/// </summary>
public sealed class BgpLab : IAsyncDisposable
{
    public const int RouterAs = BgpLabConfig.RouterAs;
    public const int NodeAs = BgpLabConfig.NodeAs;

    private readonly List<BgpLabNode> _nodes = [];
    private readonly string _birdPid;
    private readonly string _birdCtl;
    private bool _disposed;

    private BgpLab(string id, int nodes)
    {
        Id = id;
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"plb-bgp-{id}");
        RouterNamespace = $"plb-bgp-{id}-r";
        for (int i = 1; i <= nodes; i++) _nodes.Add(new BgpLabNode(i, $"plb-bgp-{id}-n{i}", Directory));
        _birdPid = System.IO.Path.Combine(Directory, "bird.pid");
        _birdCtl = System.IO.Path.Combine(Directory, "bird.ctl");
    }

    public string Id { get; }
    public string Directory { get; }
    public string RouterNamespace { get; }
    public IReadOnlyList<BgpLabNode> Nodes => _nodes;
    public static IPAddress RouterIpv4 { get; } = IPAddress.Parse("192.0.2.1");
    public static IPAddress RouterIpv6 { get; } = IPAddress.Parse("2001:db8::1");

    /// <summary>Whether this machine can run the lab (root, gobgpd, bird, ip).</summary>
    public static string? WhyUnavailable()
    {
        if (!OperatingSystem.IsLinux()) return "not Linux";
        if (Environment.UserName != "root") return "needs root (network namespaces)";
        foreach (var tool in new[] { "/usr/bin/gobgpd", "/usr/sbin/bird", "/usr/sbin/birdc" })
            if (!File.Exists(tool)) return $"{tool} is not installed";
        return null;
    }

    /// <summary>Builds the lab and waits until every node's session with the router is Established.</summary>
    public static async Task<BgpLab> StartAsync(int nodes = 3, TimeSpan? establishTimeout = null, CancellationToken cancellationToken = default)
    {
        if (nodes is < 1 or > 9) throw new ArgumentOutOfRangeException(nameof(nodes));
        var lab = new BgpLab(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3)), nodes);
        try
        {
            await lab.BuildAsync(cancellationToken);
            await lab.WaitEstablishedAsync(establishTimeout ?? TimeSpan.FromSeconds(30), cancellationToken);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    private async Task BuildAsync(CancellationToken ct)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var r = RouterNamespace;
        await RunAsync(ct, "ip", "netns", "add", r);
        await RunAsync(ct, "ip", "-n", r, "link", "set", "lo", "up");
        await RunAsync(ct, "ip", "-n", r, "link", "add", "br0", "type", "bridge");
        await RunAsync(ct, "ip", "-n", r, "link", "set", "br0", "up");
        await RunAsync(ct, "ip", "-n", r, "addr", "add", "192.0.2.1/24", "dev", "br0");
        await RunAsync(ct, "ip", "-n", r, "addr", "add", "2001:db8::1/64", "dev", "br0", "nodad");
        foreach (var n in _nodes)
        {
            await RunAsync(ct, "ip", "netns", "add", n.Namespace);
            await RunAsync(ct, "ip", "-n", n.Namespace, "link", "set", "lo", "up");
            // Both ends are created directly inside the lab's namespaces: nothing touches the root namespace.
            await RunAsync(ct, "ip", "-n", n.Namespace, "link", "add", "eth0", "type", "veth", "peer", "name", $"n{n.Index}", "netns", r);
            await RunAsync(ct, "ip", "-n", r, "link", "set", $"n{n.Index}", "master", "br0");
            await RunAsync(ct, "ip", "-n", r, "link", "set", $"n{n.Index}", "up");
            await RunAsync(ct, "ip", "-n", n.Namespace, "link", "set", "eth0", "up");
            await RunAsync(ct, "ip", "-n", n.Namespace, "addr", "add", $"{n.Ipv4}/24", "dev", "eth0");
            await RunAsync(ct, "ip", "-n", n.Namespace, "addr", "add", $"{n.Ipv6}/64", "dev", "eth0", "nodad");
            await File.WriteAllTextAsync(n.ConfigPath, GobgpdConfig(n), ct);
        }
        var birdConf = System.IO.Path.Combine(Directory, "bird.conf");
        await File.WriteAllTextAsync(birdConf, BirdConfig(), ct);
        await RunAsync(ct, "ip", "netns", "exec", r, "bird", "-c", birdConf, "-s", _birdCtl, "-P", _birdPid);
        foreach (var n in _nodes) StartDaemon(n);
    }

    private string BirdConfig() =>
        BgpLabConfig.Bird(RouterIpv4.ToString(), System.IO.Path.Combine(Directory, "bird.log"), _nodes.Select(n => ($"n{n.Index}", n.Ipv4.ToString())));

    private static string GobgpdConfig(BgpLabNode n) => BgpLabConfig.Gobgpd(n.Ipv4.ToString(), RouterIpv4.ToString());

    private static void StartDaemon(BgpLabNode n)
    {
        // gobgpd 3.10 refuses to start on a stale socket file.
        File.Delete(n.SocketPath);
        // sh and ip both exec, so the Process is gobgpd itself and Kill() reaches it.
        var psi = new ProcessStartInfo("sh")
        {
            UseShellExecute = false,
            ArgumentList =
            {
                "-c",
                $"exec ip netns exec {n.Namespace} gobgpd {string.Join(' ', BgpLabConfig.GobgpdArgs(n.ConfigPath, n.SocketPath))} >>{n.LogPath} 2>&1",
            },
        };
        n.Daemon = Process.Start(psi) ?? throw new InvalidOperationException("cannot start gobgpd");
    }

    /// <summary>Starts (again) node <paramref name="index"/>'s gobgpd and waits for its API socket.</summary>
    public async Task StartNodeDaemonAsync(int index, CancellationToken cancellationToken = default)
    {
        var n = _nodes[index - 1];
        if (n.Daemon is { HasExited: false }) throw new InvalidOperationException($"gobgpd of node {index} is running");
        n.Daemon?.Dispose();
        StartDaemon(n);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!File.Exists(n.SocketPath))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"gobgpd of node {index} did not open {n.SocketPath}");
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>SIGKILLs node <paramref name="index"/>'s gobgpd, like a crashed sidecar.</summary>
    public async Task KillNodeDaemonAsync(int index)
    {
        var n = _nodes[index - 1];
        if (n.Daemon is not { HasExited: false } p) return;
        p.Kill();
        await p.WaitForExitAsync();
    }

    /// <summary>Waits until bird reports every node's session Established.</summary>
    public async Task WaitEstablishedAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "";
        while (true)
        {
            last = await RunAsync(cancellationToken, "birdc", "-s", _birdCtl, "show", "protocols");
            var up = last.Split('\n').Count(l => l.StartsWith('n') && l.Contains("Established", StringComparison.Ordinal));
            if (up == _nodes.Count) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"BGP sessions not established:\n{last}");
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>The gateways of the router's kernel route for exactly <paramref name="prefix"/>, sorted; empty
    /// when there is no such route.</summary>
    public async Task<IReadOnlyList<IPAddress>> RouterNextHopsAsync(IPNetwork prefix, CancellationToken cancellationToken = default)
    {
        var family = prefix.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "-6" : "-4";
        var json = await RunAsync(cancellationToken, "ip", "-n", RouterNamespace, family, "-j", "route", "show", "exact", prefix.ToString());
        var hops = new List<IPAddress>();
        if (string.IsNullOrWhiteSpace(json)) return hops;
        using var doc = JsonDocument.Parse(json);
        foreach (var route in doc.RootElement.EnumerateArray())
        {
            if (route.TryGetProperty("gateway", out var gw)) hops.Add(IPAddress.Parse(gw.GetString()!));
            if (route.TryGetProperty("nexthops", out var list))
                foreach (var nh in list.EnumerateArray())
                    if (nh.TryGetProperty("gateway", out var g)) hops.Add(IPAddress.Parse(g.GetString()!));
        }
        return hops.OrderBy(a => a.ToString(), StringComparer.Ordinal).ToList();
    }

    /// <summary>Polls the router's kernel until the route for <paramref name="prefix"/> has exactly
    /// <paramref name="expected"/> as gateways (empty = no route). Returns what was last seen.</summary>
    public async Task<IReadOnlyList<IPAddress>> WaitForNextHopsAsync(IPNetwork prefix, IEnumerable<IPAddress> expected,
        TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var want = expected.Select(a => a.ToString()).Order(StringComparer.Ordinal).ToArray();
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var got = await RouterNextHopsAsync(prefix, cancellationToken);
            if (got.Select(a => a.ToString()).SequenceEqual(want)) return got;
            if (DateTime.UtcNow > deadline) return got;
            await Task.Delay(2, cancellationToken);
        }
    }

    /// <summary>One announcer per node, each talking to its node's gobgpd with that node's IPv6 next hop.</summary>
    public LabAnnouncers StartAnnouncers(TimeSpan? resync = null) => new(this, resync);

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var n in _nodes)
        {
            try
            {
                if (n.Daemon is { HasExited: false } p)
                {
                    p.Kill();
                    await p.WaitForExitAsync();
                }
                n.Daemon?.Dispose();
            }
            catch (Exception)
            {
                // Best effort: the namespace goes away below in any case.
            }
        }
        try
        {
            if (File.Exists(_birdPid) && int.TryParse((await File.ReadAllTextAsync(_birdPid)).Trim(), out var pid))
            {
                using var bird = Process.GetProcessById(pid);
                bird.Kill();
                await bird.WaitForExitAsync();
            }
        }
        catch (Exception)
        {
            // Already gone.
        }
        foreach (var ns in _nodes.Select(n => n.Namespace).Append(RouterNamespace))
        {
            try
            {
                await RunAsync(CancellationToken.None, "ip", "netns", "del", ns);
            }
            catch (Exception)
            {
                // Never created.
            }
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (Exception)
        {
            // Nothing to delete.
        }
    }

    internal static async Task<string> RunAsync(CancellationToken ct, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        await p.WaitForExitAsync(ct);
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {await stderr}");
        return await stdout;
    }
}

/// <summary>Announcers for every lab node, running until disposed.</summary>
public sealed class LabAnnouncers : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];

    internal LabAnnouncers(BgpLab lab, TimeSpan? resync)
    {
        foreach (var n in lab.Nodes)
        {
            var a = new BgpAnnouncer(new BgpAnnouncerOptions
            {
                Endpoint = n.Endpoint,
                Ipv6NextHop = n.Ipv6,
                ResyncInterval = resync ?? TimeSpan.FromSeconds(30),
            });
            Announcers.Add(a);
            _loops.Add(Task.Run(() => a.RunAsync(_stop.Token)));
        }
    }

    /// <summary>Index 0 is node 1.</summary>
    public List<BgpAnnouncer> Announcers { get; } = [];

    public BgpAnnouncer this[int nodeIndex] => Announcers[nodeIndex - 1];

    public void SetAll(string key, params IPNetwork[] prefixes)
    {
        foreach (var a in Announcers) a.Set(key, prefixes);
    }

    public void RemoveAll(string key)
    {
        foreach (var a in Announcers) a.Remove(key);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        _stop.Dispose();
    }
}
