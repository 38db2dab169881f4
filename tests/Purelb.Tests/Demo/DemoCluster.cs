using System.Net;
using System.Text.Json.Nodes;
using KubeApiServer;
using Purelb.Netlink;
using Purelb.Tests.Bgp;
using Purelb.Tests.Harness;

namespace Purelb.Tests.Demo;

/// <summary>
/// Everything the demo starts, owned in one place so that it all stops and every namespace goes whatever happens:
/// the cluster network, the router and sidecars, the API server, the allocator and an agent per node.
/// </summary>
public sealed class DemoCluster : IAsyncDisposable
{
    public const string InstallNamespace = "purelb-system";
    public const int NodeCount = 3;

    private readonly Dictionary<string, LabProcess> _agents = new(StringComparer.Ordinal);
    private readonly List<LabProcess> _processes = [];
    private readonly Dictionary<string, (NetworkNamespace Ns, RtNetlink Rt)> _netlink = new(StringComparer.Ordinal);
    private readonly string _agentKubeconfig;

    private DemoCluster(string directory, ClusterNetwork net, DemoApiServer api, TimeSpan lease)
    {
        Directory = directory;
        Net = net;
        ApiHost = api;
        Lease = lease;
        KubeconfigPath = Path.Combine(directory, "kubeconfig");
        _agentKubeconfig = Path.Combine(directory, "agent.kubeconfig");
        Kubeconfig.Write(KubeconfigPath, api.LoopbackUrl);
        Kubeconfig.Write(_agentKubeconfig, DemoApiServer.ClusterUrl);
    }

    public string Directory { get; }
    public ClusterNetwork Net { get; }
    public DemoApiServer ApiHost { get; }
    public ApiServer Api => ApiHost.Server;
    public LanRouter? Router { get; private set; }
    public TimeSpan Lease { get; }
    public string KubeconfigPath { get; }
    public LabProcess? Allocator { get; private set; }
    public IReadOnlyDictionary<string, LabProcess> Agents => _agents;

    /// <summary>The namespaces this run made, for the closing check that none is left.</summary>
    public IReadOnlyList<string> NamespaceNames =>
        [Net.Lan.Name, Net.ControlPlane.Name, .. Net.Nodes.Select(n => n.Namespace.Name), .. Router is null ? [] : new[] { Router.Namespace.Name }];

    public static async Task<DemoCluster> StartAsync(string prefix, string directory, TimeSpan lease)
    {
        System.IO.Directory.CreateDirectory(directory);
        var net = new ClusterNetwork(prefix, NodeCount);
        try
        {
            foreach (var node in net.Nodes)
            {
                // The remote addresses' interface. This kernel may lack the dummy link type; a bridge with no ports
                // holds addresses just as well and is what the agent then finds.
                node.Namespace.Ip("link", "add", "kube-lb0", "type", "bridge");
                node.Namespace.Ip("link", "set", "kube-lb0", "up");
            }
            var api = await DemoApiServer.StartAsync(net.ControlPlane.Name, Paths.Deploy("crds"));
            return new DemoCluster(directory, net, api, lease);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    public void StartRouter()
    {
        Router = new LanRouter(Net, Directory);
        Router.Start();
    }

    public JsonObject Create(JsonObject obj) => Api.CreateObject(obj);

    public void EnsureNamespace(string name)
    {
        if (Api.GetObject("v1", "Namespace", null, name) is null)
            Create(Json($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{name}}}"}}"""));
    }

    public void CreateNodes()
    {
        foreach (var node in Net.Nodes)
            Create(Json($$$"""
                {"apiVersion":"v1","kind":"Node","metadata":{"name":"{{{node.Name}}}","labels":{"kubernetes.io/hostname":"{{{node.Name}}}"}},
                 "status":{"addresses":[{"type":"InternalIP","address":"{{{node.AddressV4}}}"},{"type":"InternalIP","address":"{{{node.AddressV6}}}"}]}}
                """));
    }

    public static JsonObject Json(string json) => (JsonObject)JsonNode.Parse(json)!;

    public LabProcess StartAllocator()
    {
        Allocator = PurelbBinary.Start("allocator", null,
            ["allocator", "--kubeconfig", KubeconfigPath, "--namespace", InstallNamespace, "--metrics-address", "127.0.0.1:0"], Directory);
        _processes.Add(Allocator);
        return Allocator;
    }

    public LabProcess StartAgent(ClusterNode node)
    {
        string[] bgp = Router is null ? ["--bgp-mode", "none"] : ["--bgp-endpoint", "unix://" + Router.SocketOf(node)];
        var process = PurelbBinary.Start($"agent-{node.Name}-{_processes.Count}", node.Namespace.Name,
            ["agent", "--kubeconfig", _agentKubeconfig, "--namespace", InstallNamespace, "--node-name", node.Name,
             "--pod-uid", Guid.NewGuid().ToString(), "--lease-duration", $"{Lease.TotalSeconds:0.###}s",
             "--metrics-address", "127.0.0.1:7472", "--log-level", "debug", .. bgp], Directory);
        _agents[node.Name] = process;
        _processes.Add(process);
        return process;
    }

    public ClusterNode Node(string name) => Net.Nodes.First(n => n.Name == name);

    public JsonObject? GetService(string ns, string name) => Api.GetObject("v1", "Service", ns, name);

    public static IReadOnlyList<string> Ingress(JsonObject? svc) =>
        (svc?["status"]?["loadBalancer"]?["ingress"] as JsonArray)?.Select(i => (string)i!["ip"]!).ToList() ?? [];

    public static IEnumerable<KeyValuePair<string, string>> Annotations(JsonObject? obj, string prefix) =>
        (obj?["metadata"]?["annotations"] as JsonObject ?? [])
        .Where(a => a.Key.StartsWith(prefix, StringComparison.Ordinal))
        .Select(a => KeyValuePair.Create(a.Key, (string?)a.Value ?? ""));

    /// <summary>The newest Warning event about an object, or null.</summary>
    public string? LastWarning(string ns, string name)
    {
        var events = Api.List(new Target(Api.Registry.InGroupVersion("", "v1").First(t => t.Kind == "Event"), ns, null, null), new ListOptions()).Items;
        return events.Where(e => (string?)e["type"] == "Warning" && (string?)e["involvedObject"]?["name"] == name)
            .Select(e => $"{(string?)e["reason"]}: {(string?)e["message"]}").LastOrDefault();
    }

    public IReadOnlyList<string> Leases() =>
        Api.List(new Target(Api.Registry.InGroupVersion("coordination.k8s.io", "v1").First(t => t.Kind == "Lease"), InstallNamespace, null, null), new ListOptions())
            .Items.Select(l => (string)l["metadata"]!["name"]!).ToList();

    /// <summary>Nodes whose <paramref name="device"/> holds the address now, read over netlink in each namespace (cheap enough to poll often).</summary>
    public IReadOnlyList<string> HoldersOf(IPAddress ip, string device = "eth0")
    {
        var holders = new List<string>();
        foreach (var node in Net.Nodes)
        {
            if (!_netlink.TryGetValue(node.Name, out var nl))
            {
                var ns = NetworkNamespace.Open(node.Namespace.Name);
                nl = (ns, RtNetlink.Open(ns));
                _netlink[node.Name] = nl;
            }
            var index = nl.Rt.Links.GetByName(device).Index;
            if (nl.Rt.Addresses.List(ip.AddressFamily, index).Any(a => a.Address.Equals(ip))) holders.Add(node.Name);
        }
        return holders;
    }

    public static string MacOf(NetNamespace ns, string device = "eth0")
    {
        var json = ns.Ip("-j", "link", "show", "dev", device);
        return (string)JsonNode.Parse(json)!.AsArray()[0]!["address"]!;
    }

    /// <summary>The control plane's neighbour entry for the address: its link-layer address, or null.</summary>
    public string? ControlPlaneNeighbour(string ip)
    {
        var json = Net.ControlPlane.Ip("-j", "neigh", "show", ip, "dev", "eth0");
        if (string.IsNullOrWhiteSpace(json)) return null;
        var entries = JsonNode.Parse(json)!.AsArray();
        return entries.Count == 0 ? null : (string?)entries[0]!["lladdr"];
    }

    public async ValueTask DisposeAsync()
    {
        // Agents first (SIGTERM: they withdraw and delete their leases), then everything they talk to.
        foreach (var p in _processes) p.Stop(TimeSpan.FromSeconds(3));
        foreach (var p in _processes) p.Dispose();
        foreach (var (ns, rt) in _netlink.Values)
        {
            rt.Dispose();
            ns.Dispose();
        }
        _netlink.Clear();
        Router?.Dispose();
        await ApiHost.DisposeAsync();
        Net.Dispose();
    }
}

/// <summary>Where the repository's deploy/ folder is: the checkout's when run from one, else the copy next to the assembly.</summary>
internal static class Paths
{
    public static string Deploy(string sub)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "purelb.csproj")))
                return Path.Combine(d.FullName, "deploy", sub);
        return Path.Combine(AppContext.BaseDirectory, "deploy", sub);
    }
}
