using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using KubeApiServer;
using Purelb.Tests.Bgp;
using Purelb.Tests.Harness;

namespace Purelb.Tests.Demo;

/// <summary>A step that did not come true in time: the demo says what it waited for and where the logs are.</summary>
public sealed class DemoStepFailed(string message) : Exception(message);

/// <summary>
/// `./build.sh demo`: purelb on one machine, told in plain lines. Builds a three-node cluster in network namespaces,
/// runs the real allocator and agents against the in-repo API server, applies deploy/samples, shows where each
/// address went and who announces it, kills the winning agent and times the takeover, then removes everything.
/// </summary>
public sealed class DemoRunner
{
    private const string LocalService = "web";
    private const string RemoteService = "dns-tcp";

    private readonly DemoOptions _options;
    private readonly DemoNarrator _say;
    private readonly TextWriter _output;
    private readonly List<string> _notShown = [];

    private DemoRunner(DemoOptions options, TextWriter output)
    {
        _options = options;
        _output = output;
        _say = new DemoNarrator(output);
    }

    /// <summary>0 when every step came true; 1 when the machine cannot run it or a step failed; 2 for bad arguments.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancel = default)
    {
        var options = DemoOptions.Parse(args, out var error);
        if (options is null)
        {
            output.WriteLine(error);
            return 2;
        }
        if (DemoPreflight.WhyNot() is { } why)
        {
            output.WriteLine("purelb demo cannot run: " + why);
            return 1;
        }
        return await new DemoRunner(options, output).RunAsync(cancel);
    }

    private async Task<int> RunAsync(CancellationToken cancel)
    {
        var prefix = NetNamespace.UniquePrefix("demo");
        var directory = Path.Combine(Path.GetTempPath(), prefix);
        var lease = TimeSpan.FromSeconds(2);
        _say.Step($"purelb demo{(_options.Quick ? " (quick)" : "")}: {DemoCluster.NodeCount} nodes in network namespaces {prefix}-*, logs in {directory}");
        var (binary, _) = PurelbBinary.Command;
        _say.Say($"purelb binary: {(binary == "dotnet" ? "JIT build (set PURELB_BINARY for the native one)" : binary)}");
        DemoCluster? cluster = null;
        var ok = false;
        try
        {
            cluster = await DemoCluster.StartAsync(prefix, directory, lease);
            _say.Say($"LAN 192.0.2.0/24 + 2001:db8::/64 on a bridge; control plane {ClusterNetwork.ControlPlaneV4}; " +
                     string.Join(", ", cluster.Net.Nodes.Select(n => $"{n.Name} {n.AddressV4} ({DemoCluster.MacOf(n.Namespace)})")));
            _say.Say($"API server (in-repo) on {DemoApiServer.ClusterUrl} for the nodes and {cluster.ApiHost.LoopbackUrl} for this machine");
            await RunStepsAsync(cluster, cancel);
            ok = true;
            if (_options.Keep) await KeepAsync(cluster, cancel);
            return 0;
        }
        catch (DemoStepFailed e)
        {
            _say.Say("FAILED: " + e.Message);
            _say.Say($"logs: {directory}");
            return 1;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            _say.Say("interrupted");
            return ok ? 0 : 1;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException or System.Net.Sockets.SocketException)
        {
            // Set-up commands (ip, bird, a process start) that failed: say which, still clean up.
            _say.Say("FAILED: " + e.Message);
            _say.Say($"logs: {directory}");
            return 1;
        }
        finally
        {
            if (cluster is not null) await StopAsync(cluster);
            if (ok && _options.Quick) TryDelete(directory);
        }
    }

    private async Task RunStepsAsync(DemoCluster cluster, CancellationToken cancel)
    {
        var withBgp = !_options.Quick && DemoPreflight.WhyNoBgp() is null;
        if (!_options.Quick && DemoPreflight.WhyNoBgp() is { } noBgp)
        {
            _say.Say($"no BGP part: {noBgp}");
            _notShown.Add("remote addresses over BGP (" + noBgp + ")");
        }
        if (withBgp)
        {
            cluster.StartRouter();
            _say.Say($"router {ClusterNetwork.GatewayV4} (bird2, AS {LanRouter.RouterAs}); a gobgpd sidecar per node (AS {LanRouter.NodeAs}) peering with it");
        }

        _say.Step("Kubernetes objects");
        cluster.EnsureNamespace(DemoCluster.InstallNamespace);
        cluster.CreateNodes();
        _say.Say($"Nodes: {string.Join(", ", cluster.Net.Nodes.Select(n => n.Name))}");
        Apply(cluster, "servicegroups.yaml", _ => true);
        Apply(cluster, "lbnodeagent.yaml", _ => true);

        _say.Step("purelb");
        var allocator = cluster.StartAllocator();
        _say.Say($"allocator started (pid {allocator.Pid})");
        foreach (var node in cluster.Net.Nodes)
        {
            var agent = cluster.StartAgent(node);
            _say.Say($"agent on {node.Name} started (pid {agent.Pid}, lease {LeaseText(cluster)})");
        }
        await WaitForAgentsAsync(cluster, cancel);
        if (withBgp)
        {
            var peers = await EventuallyAsync(() => cluster.Router!.EstablishedPeers(), p => p.Count == DemoCluster.NodeCount, TimeSpan.FromSeconds(30), cancel);
            _say.Say(peers.Count == DemoCluster.NodeCount
                ? $"BGP: {string.Join(", ", peers)} established with the router"
                : $"BGP: only [{string.Join(", ", peers)}] established with the router after 30 s");
        }

        _say.Step("Services");
        Apply(cluster, "services.yaml", svc => !_options.Quick || (string?)svc["metadata"]?["name"] == LocalService);
        var services = Samples("services.yaml").Where(s => !_options.Quick || (string?)s["metadata"]?["name"] == LocalService)
            .Select(s => ((string)s["metadata"]!["namespace"]!, (string)s["metadata"]!["name"]!)).ToList();
        await EventuallyAsync(() => services.Count(s => DemoCluster.Ingress(cluster.GetService(s.Item1, s.Item2)).Count > 0),
            c => c == services.Count, TimeSpan.FromSeconds(15), cancel);
        foreach (var (ns, name) in services) NarrateService(cluster, ns, name);

        var local = DemoCluster.Ingress(cluster.GetService("default", LocalService)).FirstOrDefault(a => !a.Contains(':'))
            ?? throw new DemoStepFailed($"default/{LocalService} got no IPv4 address from the allocator (allocator log: {allocator.LogPath})");
        var localIp = IPAddress.Parse(local);

        _say.Step($"Local address {local} (default/{LocalService})");
        var winner = await SingleHolderAsync(cluster, localIp, except: null, TimeSpan.FromSeconds(20), cancel);
        _say.Say($"{winner} won the election: {local} is on its eth0");
        NarrateAnnouncing(cluster, LocalService);
        await NarrateArpAsync(cluster, local, winner, cancel);

        if (withBgp) await NarrateRemoteAsync(cluster, cancel);

        _say.Step($"Failover: SIGKILL the agent on {winner}");
        var before = cluster.ControlPlaneNeighbour(local);
        var clock = Stopwatch.StartNew();
        cluster.Agents[winner].Kill();
        var next = await SingleHolderAsync(cluster, localIp, except: winner, cluster.Lease + TimeSpan.FromSeconds(10), cancel);
        var took = clock.Elapsed;
        _say.Say($"{next} took {local} {took.TotalSeconds:F2} s after the kill (lease {LeaseText(cluster)})");
        var nextMac = DemoCluster.MacOf(cluster.Node(next).Namespace);
        var arp = await EventuallyAsync(() => cluster.ControlPlaneNeighbour(local), m => string.Equals(m, nextMac, StringComparison.OrdinalIgnoreCase),
            TimeSpan.FromSeconds(3), cancel);
        _say.Say(string.Equals(arp, nextMac, StringComparison.OrdinalIgnoreCase)
            ? $"the control plane's ARP entry for {local} moved from {before} to {arp} ({next}) at {clock.Elapsed.TotalSeconds:F2} s, without a new ARP request: gratuitous ARP"
            : $"the control plane's ARP entry for {local} is still {arp ?? "absent"} 3 s after the takeover (expected {nextMac} of {next})");
        await EventuallyAsync(() => DemoCluster.Annotations(cluster.GetService("default", LocalService), "purelb.io/announcing").Select(a => a.Value).ToList(),
            a => a.Any(v => v.StartsWith(next + ",", StringComparison.Ordinal)), TimeSpan.FromSeconds(3), cancel);
        NarrateAnnouncing(cluster, LocalService);
        _say.Say($"{winner}'s kernel still holds {local} (its agent died before it could remove it): {(cluster.HoldersOf(localIp).Contains(winner) ? "yes" : "no")}");

        if (!_options.Quick)
        {
            _say.Step($"Restart the agent on {winner}");
            cluster.StartAgent(cluster.Node(winner));
            var cleaned = await EventuallyAsync(() => cluster.HoldersOf(localIp), h => !h.Contains(winner), TimeSpan.FromSeconds(20), cancel);
            _say.Say(cleaned.Contains(winner)
                ? $"{winner} still holds {local} 20 s after its agent restarted"
                : $"{winner}'s restarted agent removed its stale copy of {local}; holders now: {string.Join(", ", cleaned)}");
        }

        _say.Step("Summary");
        _say.Say($"allocation: {services.Count(s => DemoCluster.Ingress(cluster.GetService(s.Item1, s.Item2)).Count > 0)} of {services.Count} Services have addresses");
        _say.Say($"announcement: {local} held by one live node, answered in ARP by it; failover {winner} -> {next} in {took.TotalSeconds:F2} s");
        foreach (var gap in _notShown) _say.Say("not shown: " + gap);
    }

    private static string LeaseText(DemoCluster cluster) => $"{cluster.Lease.TotalSeconds:0.#} s";

    private static IReadOnlyList<JsonObject> Samples(string file) =>
        Yaml.ParseDocuments(File.ReadAllText(Path.Combine(Paths.Deploy("samples"), file)));

    private void Apply(DemoCluster cluster, string file, Func<JsonObject, bool> which)
    {
        var applied = new List<string>();
        foreach (var obj in Samples(file).Where(which))
        {
            var ns = (string?)obj["metadata"]?["namespace"];
            if (ns is not null) cluster.EnsureNamespace(ns);
            try
            {
                cluster.Create(obj);
                applied.Add($"{obj["kind"]} {(ns is null ? "" : ns + "/")}{obj["metadata"]!["name"]}");
            }
            catch (ApiError e)
            {
                throw new DemoStepFailed($"deploy/samples/{file}: the API server refused {obj["kind"]} {obj["metadata"]?["name"]}: {e.Message}");
            }
        }
        _say.Say($"applied deploy/samples/{file}: {string.Join(", ", applied)}");
    }

    private async Task WaitForAgentsAsync(DemoCluster cluster, CancellationToken cancel)
    {
        var timeout = TimeSpan.FromSeconds(60);
        var ready = await EventuallyAsync(
            () => cluster.Agents.Where(a => a.Value.Lines().Any(l => l.Contains("synced:", StringComparison.Ordinal))).Select(a => a.Key).ToList(),
            r => r.Count == DemoCluster.NodeCount || cluster.Agents.Values.Any(a => a.HasExited), timeout, cancel);
        var dead = cluster.Agents.Where(a => a.Value.HasExited).ToList();
        if (dead.Count > 0)
        {
            var (name, p) = dead[0];
            var last = p.Lines().LastOrDefault(l => l.Trim().Length > 0) ?? "(no output)";
            throw new DemoStepFailed($"the agent is not available: the one on {name} exited with code {p.ExitCode}: {last}");
        }
        if (ready.Count < DemoCluster.NodeCount)
            throw new DemoStepFailed($"agents not synced after {timeout.TotalSeconds:0} s: only [{string.Join(", ", ready)}]");
        var leases = await EventuallyAsync(() => cluster.Leases(), l => l.Count >= DemoCluster.NodeCount, TimeSpan.FromSeconds(15), cancel);
        _say.Say($"agents synced; node leases: {string.Join(", ", leases.Order(StringComparer.Ordinal))}");
        // A new member waits out the watch lag before it counts in elections; let every agent see every other.
        await Task.Delay(TimeSpan.FromSeconds(1.5), cancel);
    }

    private void NarrateService(DemoCluster cluster, string ns, string name)
    {
        var svc = cluster.GetService(ns, name);
        var ips = DemoCluster.Ingress(svc);
        var from = DemoCluster.Annotations(svc, "purelb.io/allocated-from").Select(a => a.Value).FirstOrDefault();
        if (ips.Count > 0)
        {
            var kinds = string.Join(", ", DemoCluster.Annotations(svc, "purelb.io/pool-type").Select(a => a.Value));
            _say.Say($"{ns}/{name}: {string.Join(" ", ips)} from {from ?? "?"}{(kinds.Length > 0 ? $" ({kinds})" : "")}");
        }
        else
        {
            _say.Say($"{ns}/{name}: no address — {cluster.LastWarning(ns, name) ?? "no event explains why"}");
        }
    }

    private void NarrateAnnouncing(DemoCluster cluster, string name)
    {
        var announcing = DemoCluster.Annotations(cluster.GetService("default", name), "purelb.io/announcing").ToList();
        if (announcing.Count > 0)
            _say.Say("Service annotations: " + string.Join(", ", announcing.Select(a => $"{a.Key}={a.Value}")));
    }

    private async Task NarrateArpAsync(DemoCluster cluster, string ip, string winner, CancellationToken cancel)
    {
        var macs = cluster.Net.Nodes.ToDictionary(n => DemoCluster.MacOf(n.Namespace).ToLowerInvariant(), n => n.Name);
        var ping = cluster.Net.ControlPlane.Exec(false, "ping", "-c", "1", "-W", "1", ip);
        var mac = await EventuallyAsync(() => cluster.ControlPlaneNeighbour(ip), m => m is not null, TimeSpan.FromSeconds(2), cancel);
        var who = mac is not null && macs.TryGetValue(mac.ToLowerInvariant(), out var n) ? n : "no node";
        _say.Say($"ping {ip} from the control plane: {(ping.ExitCode == 0 ? "answered" : "no answer")}; ARP resolved it to {mac ?? "nothing"} = {who}'s eth0" +
                 (who == winner ? "" : $" (expected {winner})"));
        if (who != winner) throw new DemoStepFailed($"{ip} is on {winner} but ARP answered from {who}");
    }

    private async Task NarrateRemoteAsync(DemoCluster cluster, CancellationToken cancel)
    {
        var remote = DemoCluster.Ingress(cluster.GetService("default", RemoteService)).FirstOrDefault(a => !a.Contains(':'));
        if (remote is null)
        {
            _notShown.Add($"remote address: default/{RemoteService} has none");
            return;
        }
        _say.Step($"Remote address {remote} (default/{RemoteService}, shared with dns-udp)");
        var ip = IPAddress.Parse(remote);
        var onDummy = await EventuallyAsync(() => cluster.HoldersOf(ip, "kube-lb0"), h => h.Count == DemoCluster.NodeCount, TimeSpan.FromSeconds(10), cancel);
        _say.Say($"kube-lb0 holds {remote} on: {(onDummy.Count == 0 ? "no node" : string.Join(", ", onDummy))}");
        var prefix = LanRouter.HostPrefix(remote);
        // Without the address on kube-lb0 no agent has taken it up: give the router a short look only.
        var wait = TimeSpan.FromSeconds(onDummy.Count == 0 ? 3 : 10);
        var hops = await EventuallyAsync(() => cluster.Router!.NextHops(prefix), h => h.Count == DemoCluster.NodeCount, wait, cancel);
        if (hops.Count > 0)
            _say.Say($"router: {prefix} via {string.Join(", ", hops)}{(hops.Count > 1 ? $" (ECMP over {hops.Count} nodes)" : "")}");
        else
        {
            _say.Say($"router: no route for {prefix} after {wait.TotalSeconds:0} s: no agent announced it over BGP");
            _notShown.Add($"remote announcement: no node put {remote} on kube-lb0 and the router learned no route for it");
        }
    }

    private async Task<string> SingleHolderAsync(DemoCluster cluster, IPAddress ip, string? except, TimeSpan timeout, CancellationToken cancel)
    {
        var holders = await EventuallyAsync(() => cluster.HoldersOf(ip).Where(h => h != except).ToList(), h => h.Count == 1, timeout, cancel, poll: 5);
        if (holders.Count != 1)
            throw new DemoStepFailed($"waited {timeout.TotalSeconds:0} s for exactly one node{(except is null ? "" : " other than " + except)} to hold {ip}; " +
                                     $"holders: [{string.Join(", ", holders)}]\n{AgentTails(cluster)}");
        return holders[0];
    }

    private static string AgentTails(DemoCluster cluster) =>
        string.Join("\n", cluster.Agents.Select(a => $"--- agent {a.Key} ({a.Value.LogPath}) ---\n{a.Value.Tail(8)}"));

    /// <summary>Polls until the condition holds or time is up; returns what was last read either way.</summary>
    private static async Task<T> EventuallyAsync<T>(Func<T> read, Func<T, bool> done, TimeSpan timeout, CancellationToken cancel, int poll = 20)
    {
        var clock = Stopwatch.StartNew();
        var last = read();
        while (!done(last) && clock.Elapsed < timeout)
        {
            await Task.Delay(poll, cancel);
            last = read();
        }
        return last;
    }

    private async Task KeepAsync(DemoCluster cluster, CancellationToken cancel)
    {
        _say.Step("Left running (--keep); Ctrl-C stops everything and removes the namespaces");
        _say.Say($"kubeconfig: {cluster.KubeconfigPath}");
        _output.WriteLine($"  KUBECONFIG={cluster.KubeconfigPath} kubectl get svc -w");
        var (file, prefix) = PurelbBinary.Command;
        string[] debug = ["KUBECONFIG=" + cluster.KubeconfigPath, file, .. prefix, "debug", "services"];
        _output.WriteLine($"  {string.Join(' ', debug)}");
        var probe = Shell.Run("env", debug, check: false, TimeSpan.FromSeconds(20));
        if (probe.ExitCode == 0)
        {
            _say.Say("purelb debug services says:");
            foreach (var line in probe.StdOut.TrimEnd().Split('\n')) _output.WriteLine("    " + line);
        }
        else
        {
            _say.Say($"(purelb debug services in this build: exit {probe.ExitCode}, {probe.StdErr.Trim().Split('\n').LastOrDefault()})");
        }
        foreach (var node in cluster.Net.Nodes)
            _output.WriteLine($"  ip netns exec {node.Namespace.Name} ip addr show eth0    # {node.Name}");
        _output.Flush();
        try
        {
            await Task.Delay(Timeout.Infinite, cancel);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task StopAsync(DemoCluster cluster)
    {
        _say.Step("Stopping");
        var names = cluster.NamespaceNames;
        await cluster.DisposeAsync();
        var listed = Shell.Run("ip", ["netns", "list"], check: false).StdOut;
        var left = names.Where(n => listed.Split('\n').Any(l => l.Split(' ')[0] == n)).ToList();
        _say.Say(left.Count == 0
            ? $"stopped every process and removed all {names.Count} namespaces"
            : $"could not remove namespaces: {string.Join(", ", left)} (remove them with `ip netns del NAME`)");
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
