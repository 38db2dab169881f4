using System.Net;
using System.Text;
using System.Text.Json;
using Purelb.Tests.Harness;

namespace Purelb.Tests.Demo;

/// <summary>
/// The LAN's upstream router and each node's BGP sidecar. The router is a namespace on the LAN bridge holding the
/// nodes' default gateway address, running bird2 (AS 65001) which installs its best routes, equal paths merged into
/// one ECMP route, in its kernel table. Each node runs Debian's gobgpd (AS 65000) peered with it, as the k8gobgp
/// sidecar would; the agent only adds and withdraws paths through gobgpd's API socket.
/// </summary>
public sealed class DemoRouter : IDisposable
{
    public const int RouterAs = 65001;
    public const int NodeAs = 65000;

    private readonly ClusterNetwork _net;
    private readonly string _dir;
    private readonly List<LabProcess> _sidecars = [];
    private readonly string _birdCtl;
    private readonly string _birdPid;

    public DemoRouter(ClusterNetwork net, string directory)
    {
        _net = net;
        _dir = directory;
        _birdCtl = Path.Combine(directory, "bird.ctl");
        _birdPid = Path.Combine(directory, "bird.pid");
        Namespace = NetNamespace.Create($"{net.Prefix}-rt");
        try
        {
            net.Lan.Ip("link", "add", "rt-lan", "type", "veth", "peer", "name", "rt-eth0");
            net.Lan.Ip("link", "set", "rt-eth0", "netns", Namespace.Name);
            net.Lan.Ip("link", "set", "rt-lan", "master", "br0");
            net.Lan.Ip("link", "set", "rt-lan", "up");
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

    public string SocketOf(ClusterNode node) => Path.Combine(_dir, $"gobgp-{node.Name}.sock");

    public void Start()
    {
        var conf = Path.Combine(_dir, "bird.conf");
        File.WriteAllText(conf, BirdConfig());
        Namespace.Exec(true, "bird", "-c", conf, "-s", _birdCtl, "-P", _birdPid);
        foreach (var node in _net.Nodes)
        {
            var toml = Path.Combine(_dir, $"gobgp-{node.Name}.toml");
            File.WriteAllText(toml, SidecarConfig(node));
            File.Delete(SocketOf(node));
            _sidecars.Add(LabProcess.Start($"gobgpd-{node.Name}", node.Namespace.Name, "gobgpd",
                ["-f", toml, "-t", "toml", "--api-hosts", "unix://" + SocketOf(node), "--pprof-disable", "-p"], _dir));
        }
    }

    // Written for this demo: bird's kernel protocol exports what BGP learned, merging equal paths (ECMP).
    private string BirdConfig()
    {
        var sb = new StringBuilder();
        sb.Append($$"""
            router id {{ClusterNetwork.GatewayV4}};
            log "{{Path.Combine(_dir, "bird.log")}}" all;
            protocol device { scan time 10; }
            protocol kernel kern4 { ipv4 { import none; export all; }; merge paths yes limit 16; }
            protocol kernel kern6 { ipv6 { import none; export all; }; merge paths yes limit 16; }
            template bgp purelb_node {
              local as {{RouterAs}}; neighbor as {{NodeAs}};
              hold time 9; connect retry time 1; error wait time 1, 2;
              ipv4 { import all; export none; };
              ipv6 { import all; export none; };
            }

            """);
        foreach (var n in _net.Nodes) sb.Append($"protocol bgp {n.Name} from purelb_node {{ neighbor {n.AddressV4}; }}\n");
        return sb.ToString();
    }

    private static string SidecarConfig(ClusterNode node) => $"""
        [global.config]
          as = {NodeAs}
          router-id = "{node.AddressV4}"
          port = 179

        [[neighbors]]
          [neighbors.config]
            neighbor-address = "{ClusterNetwork.GatewayV4}"
            peer-as = {RouterAs}
          [neighbors.timers.config]
            connect-retry = 1
            hold-time = 9
            keepalive-interval = 3
          [[neighbors.afi-safis]]
            [neighbors.afi-safis.config]
              afi-safi-name = "ipv4-unicast"
          [[neighbors.afi-safis]]
            [neighbors.afi-safis.config]
              afi-safi-name = "ipv6-unicast"
        """;

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

    public static string HostPrefix(string address) =>
        IPAddress.Parse(address).AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? address + "/128" : address + "/32";

    public void Dispose()
    {
        foreach (var s in _sidecars) s.Dispose();
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
        Namespace.Dispose();
    }
}
