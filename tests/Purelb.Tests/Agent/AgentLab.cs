using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using KubeApiServer;
using Purelb.Netlink;
using Purelb.Tests.Harness;

namespace Purelb.Tests.Agent;

/// <summary>Hooks for labs built on <see cref="AgentLab"/> (e.g. a BGP router and sidecars).</summary>
/// <param name="BeforeAgents">Runs once the network, API server and base objects exist, before any agent starts.</param>
/// <param name="AgentArguments">Extra command-line arguments of each node's agent.</param>
/// <param name="Prefix">Namespace-name area (plb-&lt;area&gt;-&lt;hex&gt;).</param>
/// <param name="AgentLogLevel">Tests read the agents' debug lines when they fail; the bench measures what an
/// installation runs, the default level.</param>
public sealed record AgentLabOptions(
    Func<AgentLab, Task>? BeforeAgents = null,
    Func<ClusterNode, IEnumerable<string>>? AgentArguments = null,
    string Prefix = "ag",
    string AgentLogLevel = "debug");

/// <summary>
/// A cluster on one machine: node namespaces on a LAN bridge, the in-repo API server reachable from them at the
/// control-plane address, Node objects, a ServiceGroup, the real allocator and one real `purelb agent` per node.
/// </summary>
public sealed class AgentLab : IAsyncDisposable
{
    public const string InstallNamespace = "purelb-system";
    public const int LeaseSeconds = 2;
    public const string V4Pool = "192.0.2.100-192.0.2.149";
    public const string V6Pool = "2001:db8::100-2001:db8::1ff";

    private readonly string _logs;
    private readonly string _agentKubeconfig;
    private readonly Dictionary<string, LabProcess> _agents = new(StringComparer.Ordinal);
    private readonly List<LabProcess> _all = [];
    private readonly Dictionary<string, (NetworkNamespace Ns, RtNetlink Rt)> _netlink = new(StringComparer.Ordinal);

    private readonly AgentLabOptions _options;

    private AgentLab(ClusterNetwork net, KubeApiServerHost host, NamespaceTcpProxy proxy, string logs, string agentKubeconfig,
        AgentLabOptions options)
    {
        _options = options;
        Net = net;
        Host = host;
        Proxy = proxy;
        _logs = logs;
        _agentKubeconfig = agentKubeconfig;
    }

    public ClusterNetwork Net { get; }
    public KubeApiServerHost Host { get; }
    public NamespaceTcpProxy Proxy { get; }
    public ApiServer Api => Host.Server;
    public LabProcess? Allocator { get; private set; }
    public IReadOnlyDictionary<string, LabProcess> Agents => _agents;

    /// <summary>Where the processes' logs go.</summary>
    public string LogDirectory => _logs;

    /// <param name="prepare">Runs on the network before any process starts (extra bridges and interfaces).</param>
    /// <param name="options">Hooks for labs built on this one (router, sidecars, extra agent arguments).</param>
    public static async Task<AgentLab> StartAsync(int nodes = 3, Action<ClusterNetwork>? prepare = null, AgentLabOptions? options = null)
    {
        options ??= new AgentLabOptions();
        var net = new ClusterNetwork(NetNamespace.UniquePrefix(options.Prefix), nodes);
        AgentLab? started = null;
        KubeApiServerHost? host = null;
        try
        {
            prepare?.Invoke(net);
            var crds = Path.Combine(AppContext.BaseDirectory, "deploy", "crds");
            host = await KubeApiServerHost.StartAsync("127.0.0.1:0", new ApiServerOptions { CrdDirectory = crds, BookmarkInterval = TimeSpan.FromSeconds(1) });
            var target = new Uri(host.BaseUrl);
            var proxy = new NamespaceTcpProxy(net.ControlPlane.Name, new IPEndPoint(IPAddress.Parse(ClusterNetwork.ControlPlaneV4), 6443),
                new IPEndPoint(IPAddress.Loopback, target.Port));
            var logs = Path.Combine(Path.GetTempPath(), "purelb-tests", "agent-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(logs);
            var kubeconfig = Path.Combine(logs, "agent.kubeconfig");
            Kubeconfig.Write(kubeconfig, $"http://{ClusterNetwork.ControlPlaneV4}:6443");
            var lab = new AgentLab(net, host, proxy, logs, kubeconfig, options);
            started = lab;
            lab.Create(Json($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{InstallNamespace}}}"}}"""));
            foreach (var node in net.Nodes)
                lab.Create(Json($$$"""{"apiVersion":"v1","kind":"Node","metadata":{"name":"{{{node.Name}}}"}}"""));
            lab.Create(Json($$$"""
                {"apiVersion":"purelb.io/v2","kind":"ServiceGroup","metadata":{"name":"default","namespace":"{{{InstallNamespace}}}"},
                 "spec":{"local":{"v4pool":{"pool":"{{{V4Pool}}}","subnet":"192.0.2.0/24","aggregation":"default"},
                                  "v6pool":{"pool":"{{{V6Pool}}}","subnet":"2001:db8::/64","aggregation":"default"} } } }
                """));
            lab.Allocator = PurelbBinary.Start("allocator", null,
                ["allocator", "--kubeconfig", host.KubeconfigPath, "--namespace", InstallNamespace, "--metrics-address", "127.0.0.1:0"], logs);
            lab._all.Add(lab.Allocator);
            if (options.BeforeAgents is { } before) await before(lab);
            foreach (var node in net.Nodes) lab.StartAgent(node);
            await lab.WaitForAllAgentsAsync();
            return lab;
        }
        catch
        {
            if (started is not null)
            {
                await started.DisposeAsync();
                throw;
            }
            if (host is not null) await host.DisposeAsync();
            net.Dispose();
            throw;
        }
    }

    public LabProcess StartAgent(ClusterNode node)
    {
        var process = PurelbBinary.Start($"agent-{node.Name}-{_all.Count}", node.Namespace.Name,
            ["agent", "--kubeconfig", _agentKubeconfig, "--namespace", InstallNamespace, "--node-name", node.Name,
             "--pod-uid", Guid.NewGuid().ToString(), "--lease-duration", $"{LeaseSeconds}s", "--metrics-address", "127.0.0.1:7472",
             "--log-level", _options.AgentLogLevel, .. (_options.AgentArguments?.Invoke(node) ?? [])], _logs);
        _agents[node.Name] = process;
        _all.Add(process);
        _startedSinceSettled = true;
        return process;
    }

    /// <summary>
    /// Every node's agent running, every node connected, every lease present, every agent healthy and seeing every
    /// node (its own metrics say so); after an agent (re)start also past the join hold-off.
    /// </summary>
    public async Task WaitForAllAgentsAsync()
    {
        foreach (var node in Net.Nodes)
        {
            Net.Reconnect(node);
            if (!_agents.TryGetValue(node.Name, out var p) || p.HasExited) StartAgent(node);
        }
        await EventuallyAsync(() => Leases(), l => Net.Nodes.All(n => l.Contains("purelb-node-" + n.Name)), "a lease per node", 60);
        await EventuallyAsync(() => _agents.Values.Count(a => a.Lines().Any(l => l.Contains("synced:"))), c => c == Net.Nodes.Count, "every agent synced", 60);
        await EventuallyAsync(() => Net.Nodes.Where(n => !Settled(n.Name)).Select(n => n.Name).ToList(), l => l.Count == 0,
            "every agent healthy and seeing every node", 60);
        if (_startedSinceSettled)
        {
            // Renewals confirmed and the join hold-off (watch lag + withdraw allowance) passed.
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            _startedSinceSettled = false;
        }
    }

    private bool _startedSinceSettled = true;

    private bool Settled(string node)
    {
        try
        {
            var m = MetricsAsync(node).GetAwaiter().GetResult();
            return Metric(m, "purelb_election_lease_healthy") == 1 && Metric(m, "purelb_election_member_count") == Net.Nodes.Count;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
        {
            return false;
        }
    }

    public IReadOnlyList<string> Leases() =>
        Api.List(new Target(Api.Registry.InGroupVersion("coordination.k8s.io", "v1").First(t => t.Kind == "Lease"), InstallNamespace, null, null), new ListOptions())
            .Items.Select(l => (string)l["metadata"]!["name"]!).ToList();

    public ClusterNode Node(string name) => Net.Nodes.First(n => n.Name == name);

    public static JsonObject Json(string json) => (JsonObject)JsonNode.Parse(json)!;

    public JsonObject Create(JsonObject obj) => Api.CreateObject(obj);

    public JsonObject Service(string name, bool dualStack = false)
    {
        var families = dualStack ? ""","ipFamilyPolicy":"RequireDualStack","ipFamilies":["IPv4","IPv6"]""" : "";
        return Create(Json($$$"""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"{{{name}}}","namespace":"default"},
             "spec":{"type":"LoadBalancer","ports":[{"port":80,"protocol":"TCP"}],"selector":{"app":"{{{name}}}"}{{{families}}}}}
            """));
    }

    public void DeleteService(string name) =>
        Api.Delete(new Target(Api.Registry.InGroupVersion("", "v1").First(t => t.Kind == "Service"), "default", name, null), null, new WriteOptions());

    public JsonObject? GetService(string name) => Api.GetObject("v1", "Service", "default", name);

    public static string? Annotation(JsonObject? obj, string key) => (string?)obj?["metadata"]?["annotations"]?[key];

    public async Task<IReadOnlyList<IPAddress>> IngressAsync(string name, int count)
    {
        var ips = await EventuallyAsync(
            () => (GetService(name)?["status"]?["loadBalancer"]?["ingress"] as JsonArray)?.Select(i => (string)i!["ip"]!).ToList() ?? [],
            i => i.Count >= count, $"{name} to get {count} address(es)", 30);
        return ips.Select(IPAddress.Parse).ToList();
    }

    /// <summary>Nodes whose eth0 holds <paramref name="ip"/> now, read over netlink inside each namespace (fast enough to poll every few ms).</summary>
    public IReadOnlyList<string> HoldersOf(IPAddress ip)
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
            var eth0 = nl.Rt.Links.GetByName("eth0").Index;
            if (nl.Rt.Addresses.List(ip.AddressFamily, eth0).Any(a => a.Address.Equals(ip))) holders.Add(node.Name);
        }
        return holders;
    }

    /// <summary>Every <c>node/interface</c> holding <paramref name="ip"/> now, on any link of any node.</summary>
    public IReadOnlyList<string> Placements(IPAddress ip)
    {
        var result = new List<string>();
        foreach (var node in Net.Nodes)
        {
            if (!_netlink.TryGetValue(node.Name, out var nl))
            {
                var ns = NetworkNamespace.Open(node.Namespace.Name);
                nl = (ns, RtNetlink.Open(ns));
                _netlink[node.Name] = nl;
            }
            var links = nl.Rt.Links.List().ToDictionary(l => l.Index, l => l.Name);
            foreach (var a in nl.Rt.Addresses.List(ip.AddressFamily))
            {
                if (a.Address.Equals(ip)) result.Add($"{node.Name}/{links.GetValueOrDefault(a.InterfaceIndex, "?")}");
            }
        }
        result.Sort(StringComparer.Ordinal);
        return result;
    }

    /// <summary>Events whose involvedObject is the named object, oldest first.</summary>
    public IReadOnlyList<JsonObject> EventsFor(string name, string ns = "default") =>
        Api.List(new Target(Api.Registry.InGroupVersion("", "v1").First(t => t.Kind == "Event"), ns, null, null), new ListOptions())
            .Items.Where(e => (string?)e["involvedObject"]?["name"] == name).ToList();

    /// <summary>A node agent's /metrics text, fetched from inside the node's namespace.</summary>
    public async Task<string> MetricsAsync(string node)
    {
        using var http = new HttpClient(NamespaceSockets.HttpHandler(Node(node).Namespace.Name)) { Timeout = TimeSpan.FromSeconds(10) };
        return await http.GetStringAsync("http://127.0.0.1:7472/metrics").ConfigureAwait(false);
    }

    /// <summary>The value of one series in Prometheus text, or null when absent; labels given as <c>key="value"</c> pairs.</summary>
    public static double? Metric(string text, string name, params (string Key, string Value)[] labels)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal)) continue;
            var rest = line[name.Length..];
            if (rest.Length == 0 || (rest[0] != '{' && rest[0] != ' ')) continue;
            if (!labels.All(l => rest.Contains($"{l.Key}=\"{l.Value}\"", StringComparison.Ordinal))) continue;
            var value = rest[(rest.LastIndexOf(' ') + 1)..];
            return double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
        }
        return null;
    }

    /// <summary>Merge-patches an object (e.g. labels of a Node).</summary>
    public void MergePatch(string group, string version, string kind, string? ns, string name, string patch) =>
        Api.Patch(new Target(Api.Registry.InGroupVersion(group, version).First(t => t.Kind == kind), ns, name, null),
            "application/merge-patch+json", JsonNode.Parse(patch), new WriteOptions());

    public void DeleteObject(string group, string version, string kind, string? ns, string name) =>
        Api.Delete(new Target(Api.Registry.InGroupVersion(group, version).First(t => t.Kind == kind), ns, name, null), null, new WriteOptions());

    /// <summary>The MAC address of a node's interface.</summary>
    public static string Mac(ClusterNode node, string device = "eth0") =>
        (string)JsonNode.Parse(node.Namespace.Ip("-j", "link", "show", "dev", device))![0]!["address"]!;

    /// <summary>The address as `ip -j addr` shows it on a node, or null.</summary>
    public static JsonObject? IpAddr(ClusterNode node, IPAddress ip)
    {
        var json = node.Namespace.Ip("-j", "addr", "show", "dev", "eth0");
        foreach (var link in JsonNode.Parse(json)!.AsArray())
            foreach (var a in link!["addr_info"]!.AsArray())
                if ((string?)a!["local"] == ip.ToString()) return a.AsObject();
        return null;
    }

    public async Task<string> SingleHolderAsync(IPAddress ip, double seconds = 15, string? not = null)
    {
        var holders = await EventuallyAsync(() => HoldersOf(ip), h => h.Count == 1 && h[0] != not, $"exactly one node{(not is null ? "" : " other than " + not)} to hold {ip}", seconds);
        return holders[0];
    }

    /// <summary>Polls until the condition holds; the failure message shows what was last seen and the agents' log tails.</summary>
    public async Task<T> EventuallyAsync<T>(Func<T> read, Func<T, bool> done, string what, double seconds = 15)
    {
        var clock = Stopwatch.StartNew();
        T last = read();
        while (!done(last))
        {
            if (clock.Elapsed.TotalSeconds > seconds)
                throw new Xunit.Sdk.XunitException($"timed out waiting for {what}; last: {Describe(last)}\n{Logs()}");
            await Task.Delay(10);
            last = read();
        }
        return last;
    }

    public string Logs() => string.Join("\n", _agents.Select(a => $"--- {a.Key} ---\n{a.Value.Tail(25)}"));

    private static string Describe<T>(T value) => value switch
    {
        System.Collections.IEnumerable e when value is not string => "[" + string.Join(", ", e.Cast<object>()) + "]",
        _ => value?.ToString() ?? "null",
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _all) p.Dispose();
        foreach (var (ns, rt) in _netlink.Values)
        {
            rt.Dispose();
            ns.Dispose();
        }
        Proxy.Dispose();
        await Host.DisposeAsync();
        Net.Dispose();
    }
}
