using System.Net;
using System.Text.Json;
using Purelb.Tests.Harness;

namespace Purelb.Tests.Bgp;

/// <summary>
/// The upstream router of a <see cref="ClusterNetwork"/> and each node's BGP sidecar. The router is a namespace on the
/// LAN bridge holding the nodes' default-gateway addresses and running bird2, which installs its best routes (equal
/// paths merged into one ECMP route) in its kernel table. Each node runs Debian's gobgpd peered with it, as the
/// k8gobgp sidecar would, with its API on a unix socket under the lab directory; purelb only adds and withdraws
/// paths through that socket. Sidecars can be killed and restarted under running agents.
/// </summary>
public sealed class LanRouter : IDisposable
{
    public const int RouterAs = BgpLabConfig.RouterAs;
    public const int NodeAs = BgpLabConfig.NodeAs;

    private readonly ClusterNetwork _net;
    private readonly string _dir;
    private readonly Dictionary<string, LabProcess> _sidecars = new(StringComparer.Ordinal);
    private readonly List<LabProcess> _all = [];
    private readonly string _birdCtl;
    private readonly string _birdPid;

    public LanRouter(ClusterNetwork net, string directory)
    {
        _net = net;
        _dir = directory;
        Directory.CreateDirectory(directory);
        _birdCtl = Path.Combine(directory, "bird.ctl");
        _birdPid = Path.Combine(directory, "bird.pid");
        Namespace = NetNamespace.Create($"{net.Prefix}-rt");
        try
        {
            net.Lan.Ip("link", "add", "rt-lan", "type", "veth", "peer", "name", "rt-eth0");
            net.Lan.Ip("link", "set", "rt-eth0", "netns", Namespace.Name);
            net.Lan.Ip("link", "set", "rt-lan", "master", "br0");
            net.Lan.Ip("link", "set", "rt-lan", "up");
            Namespace.Ip("link", "set", "lo", "up");
            Namespace.Ip("link", "set", "rt-eth0", "name", "eth0");
            Namespace.Sysctl("net.ipv6.conf.eth0.accept_dad", "0");
            Namespace.Ip("addr", "add", $"{ClusterNetwork.GatewayV4}/24", "dev", "eth0");
            Namespace.Ip("addr", "add", $"{ClusterNetwork.GatewayV6}/64", "dev", "eth0", "nodad");
            Namespace.Ip("link", "set", "eth0", "up");
        }
        catch
        {
            Namespace.Dispose();
            throw;
        }
    }

    public NetNamespace Namespace { get; }

    /// <summary>Whether this machine has what the router needs (root is checked by the namespaces themselves).</summary>
    public static string? WhyUnavailable()
    {
        foreach (var tool in new[] { "/usr/bin/gobgpd", "/usr/sbin/bird", "/usr/sbin/birdc" })
            if (!File.Exists(tool)) return $"{tool} is not installed (apt-get install gobgpd bird2)";
        return null;
    }

    public string SocketOf(ClusterNode node) => Path.Combine(_dir, $"gobgp-{node.Name}.sock");

    /// <summary>The agent flag that points at this node's sidecar.</summary>
    public string EndpointOf(ClusterNode node) => "unix://" + SocketOf(node);

    public void Start()
    {
        var conf = Path.Combine(_dir, "bird.conf");
        File.WriteAllText(conf, BgpLabConfig.Bird(ClusterNetwork.GatewayV4, Path.Combine(_dir, "bird.log"),
            _net.Nodes.Select(n => (n.Name, n.AddressV4))));
        Namespace.Exec(true, "bird", "-c", conf, "-s", _birdCtl, "-P", _birdPid);
        foreach (var node in _net.Nodes) StartSidecar(node);
    }

    /// <summary>Starts node's gobgpd (again) and waits until its API socket exists.</summary>
    public void StartSidecar(ClusterNode node)
    {
        if (_sidecars.TryGetValue(node.Name, out var running) && !running.HasExited)
            throw new InvalidOperationException($"gobgpd of {node.Name} is running");
        var toml = Path.Combine(_dir, $"gobgp-{node.Name}.toml");
        File.WriteAllText(toml, BgpLabConfig.Gobgpd(node.AddressV4, ClusterNetwork.GatewayV4));
        // gobgpd 3.10 refuses to start on a stale socket file.
        File.Delete(SocketOf(node));
        var p = LabProcess.Start($"gobgpd-{node.Name}", node.Namespace.Name, "gobgpd", BgpLabConfig.GobgpdArgs(toml, SocketOf(node)), _dir);
        _sidecars[node.Name] = p;
        _all.Add(p);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!File.Exists(SocketOf(node)))
        {
            if (DateTime.UtcNow > deadline || p.HasExited) throw new TimeoutException($"gobgpd of {node.Name} did not open {SocketOf(node)}:\n{p.Tail(10)}");
            Thread.Sleep(20);
        }
    }

    /// <summary>SIGKILLs node's gobgpd, like a crashed sidecar (its RIB goes with it).</summary>
    public void KillSidecar(ClusterNode node)
    {
        if (!_sidecars.TryGetValue(node.Name, out var p) || p.HasExited) return;
        p.Kill();
        p.WaitForExit(TimeSpan.FromSeconds(10));
    }

    /// <summary>Names of the nodes whose session bird reports Established.</summary>
    public IReadOnlyList<string> EstablishedPeers()
    {
        var (code, stdout, _) = Shell.Run("birdc", ["-s", _birdCtl, "show", "protocols"], check: false);
        if (code != 0) return [];
        return stdout.Split('\n')
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 5 && f[1] == "BGP" && f.Contains("Established"))
            .Select(f => f[0]).ToList();
    }

    /// <summary>The gateways of the router's kernel route for exactly this prefix (ECMP: several), sorted.</summary>
    public IReadOnlyList<string> NextHops(string prefix)
    {
        var family = prefix.Contains(':') ? "-6" : "-4";
        var json = Namespace.Ip(family, "-j", "route", "show", "exact", prefix);
        var hops = new List<string>();
        if (string.IsNullOrWhiteSpace(json)) return hops;
        using var doc = JsonDocument.Parse(json);
        foreach (var route in doc.RootElement.EnumerateArray())
        {
            if (route.TryGetProperty("gateway", out var gw)) hops.Add(gw.GetString()!);
            if (route.TryGetProperty("nexthops", out var list))
                foreach (var nh in list.EnumerateArray())
                    if (nh.TryGetProperty("gateway", out var g)) hops.Add(g.GetString()!);
        }
        return hops.Order(StringComparer.Ordinal).ToList();
    }

    public Task<IReadOnlyList<IPAddress>> NextHopsAsync(IPNetwork prefix, CancellationToken cancellationToken = default) =>
        Task.Run(() => (IReadOnlyList<IPAddress>)NextHops(prefix.ToString()).Select(IPAddress.Parse).ToList(), cancellationToken);

    public static string HostPrefix(string address) =>
        IPAddress.Parse(address).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? address + "/128" : address + "/32";

    public string Logs() => string.Join("\n", _sidecars.Values.Select(s => $"--- {s.Name} ---\n{s.Tail(10)}"));

    public void Dispose()
    {
        foreach (var s in _all) s.Dispose();
        try
        {
            if (File.Exists(_birdPid) && int.TryParse(File.ReadAllText(_birdPid).Trim(), out var pid))
            {
                using var bird = System.Diagnostics.Process.GetProcessById(pid);
                bird.Kill();
                bird.WaitForExit(5000);
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // bird already gone
        }
        foreach (var node in _net.Nodes) File.Delete(SocketOf(node));
        Namespace.Dispose();
    }
}
