using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Purelb.Modes.Memory;
using Purelb.Netlink;
using Purelb.Tests.Harness;
using Purelb.Tests.Netlink;
using Xunit;
using Xunit.Abstractions;

namespace Purelb.Tests.Agent;

/// <summary>One lab (3 nodes, 2 s leases) shared by the class; each test uses its own Service and restores the agents.</summary>
public sealed class AgentLabFixture : IAsyncLifetime
{
    public AgentLab Lab { get; private set; } = null!;

    public async Task InitializeAsync() => Lab = await AgentLab.StartAsync();

    public async Task DisposeAsync()
    {
        if (Lab is not null) await Lab.DisposeAsync();
    }
}

/// <summary>
/// Real `purelb agent` processes in node namespaces against the in-repo API server, with the real allocator:
/// assertions on each node's kernel addresses and on frames captured on the LAN.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class AgentEndToEndTests(AgentLabFixture fixture, ITestOutputHelper output) : IClassFixture<AgentLabFixture>
{
    private AgentLab Lab => fixture.Lab;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(AgentLab.LeaseSeconds);

    [Fact]
    public async Task Each_local_address_is_held_by_exactly_one_node_with_lifetime_flags_annotation_and_gratuitous_frames()
    {
        await Lab.WaitForAllAgentsAsync();
        using var capture = CaptureOnControlPlane();
        var frames = Task.Run(() => capture.Receive(TimeSpan.FromSeconds(12), f => f.Any(IsArp) && f.Any(IsNeighborAdvertisement)));
        Lab.Service("dual", dualStack: true);
        var ips = await Lab.IngressAsync("dual", 2);
        var v4 = ips.Single(i => i.AddressFamily == AddressFamily.InterNetwork);
        var v6 = ips.Single(i => i.AddressFamily == AddressFamily.InterNetworkV6);
        var holder4 = await Lab.SingleHolderAsync(v4);
        var holder6 = await Lab.SingleHolderAsync(v6);
        // Stays single: no node adds it later.
        await Task.Delay(500);
        Assert.Equal([holder4], Lab.HoldersOf(v4));
        Assert.Equal([holder6], Lab.HoldersOf(v6));

        var a4 = AgentLab.IpAddr(Lab.Node(holder4), v4)!;
        Assert.Equal(24, (int)a4["prefixlen"]!);
        Assert.InRange((long)a4["valid_life_time"]!, 200, 300);
        Assert.True((bool?)a4["noprefixroute"] == true, a4.ToJsonString());
        var a6 = AgentLab.IpAddr(Lab.Node(holder6), v6)!;
        Assert.Equal(64, (int)a6["prefixlen"]!);
        Assert.Equal(0, (long)a6["preferred_life_time"]!);
        Assert.True((bool?)a6["deprecated"] == true, a6.ToJsonString());

        await Lab.EventuallyAsync(() => AgentLab.Annotation(Lab.GetService("dual"), "purelb.io/announcing-IPv4"),
            v => v == $"{holder4},eth0,{v4}", "the announcing-IPv4 annotation");
        await Lab.EventuallyAsync(() => AgentLab.Annotation(Lab.GetService("dual"), "purelb.io/announcing-IPv6"),
            v => v == $"{holder6},eth0,{v6}", "the announcing-IPv6 annotation");

        // Each node's lease is owned by its Node object and advertises the node's subnets.
        var lease = Lab.Api.GetObject("coordination.k8s.io/v1", "Lease", AgentLab.InstallNamespace, "purelb-node-" + holder4)!;
        var node = Lab.Api.GetObject("v1", "Node", null, holder4)!;
        Assert.Equal((string?)node["metadata"]!["uid"], (string?)lease["metadata"]!["ownerReferences"]![0]!["uid"]);
        Assert.Equal("Node", (string?)lease["metadata"]!["ownerReferences"]![0]!["kind"]);
        Assert.Contains("192.0.2.0/24", AgentLab.Annotation(lease, "purelb.io/subnets"));
        Assert.Contains("2001:db8::/64", AgentLab.Annotation(lease, "purelb.io/subnets"));

        var seen = await frames;
        Assert.Contains(seen, f => IsArp(f) && ArpSender(f).Equals(v4));
        Assert.Contains(seen, f => IsNeighborAdvertisement(f) && NaTarget(f).Equals(v6));
        Lab.DeleteService("dual");
    }

    [Fact]
    public async Task Service_delete_withdraws_the_address_everywhere()
    {
        await Lab.WaitForAllAgentsAsync();
        Lab.Service("gone");
        var ip = (await Lab.IngressAsync("gone", 1))[0];
        await Lab.SingleHolderAsync(ip);
        Lab.DeleteService("gone");
        await Lab.EventuallyAsync(() => Lab.HoldersOf(ip), h => h.Count == 0, $"{ip} withdrawn from every node", 5);
        foreach (var node in Lab.Net.Nodes) Assert.Null(AgentLab.IpAddr(node, ip));
    }

    [Fact]
    public async Task Winner_killed_another_node_takes_over_with_gratuitous_arp_and_a_restarted_agent_cleans_leftovers()
    {
        await Lab.WaitForAllAgentsAsync();
        Lab.Service("crash");
        var ip = (await Lab.IngressAsync("crash", 1))[0];
        var winner = await Lab.SingleHolderAsync(ip);
        await Lab.EventuallyAsync(() => AgentLab.Annotation(Lab.GetService("crash"), "purelb.io/announcing-IPv4"), v => v == $"{winner},eth0,{ip}", "the winner's announcing entry");
        using var capture = CaptureOnControlPlane();
        var frames = Task.Run(() => capture.Receive(TimeSpan.FromSeconds(20), f => f.Any(x => IsArp(x) && ArpSender(x).Equals(ip))));

        var clock = Stopwatch.StartNew();
        Lab.Agents[winner].Kill();
        // The dead agent's address stays in its kernel (nothing runs there to remove it): watch the other nodes.
        var next = await Lab.EventuallyAsync(() => Lab.HoldersOf(ip).Where(n => n != winner).ToList(), h => h.Count == 1, $"another node to hold {ip}", 20);
        var failover = clock.Elapsed;
        // The L + 300 ms goal is measured by the bench; here only that it happened (within the generous wait above).
        output.WriteLine($"crash failover {winner} -> {next[0]}: {failover.TotalMilliseconds:F0} ms (lease {Lease.TotalSeconds} s)");
        Assert.Contains(await frames, f => IsArp(f) && ArpSender(f).Equals(ip));
        // The new holder takes the dead node's announcing entry over, and says so on the Service.
        await Lab.EventuallyAsync(() => AgentLab.Annotation(Lab.GetService("crash"), "purelb.io/announcing-IPv4"), v => v == $"{next[0]},eth0,{ip}", "the new holder's announcing entry");
        await Lab.EventuallyAsync(() => Lab.EventsFor("crash").Where(e => (string?)e["reason"] == "AnnounceSlotSteal").Select(e => (string?)e["message"]).ToList(),
            l => l.Contains($"Node {next[0]} took announcement of {ip} from node {winner}"), "an AnnounceSlotSteal event");

        // A leftover with our signature that no Service wants goes when the agent starts again.
        var leftover = "192.0.2.250";
        Lab.Node(winner).Namespace.Ip("addr", "add", $"{leftover}/24", "dev", "eth0", "valid_lft", "300", "preferred_lft", "300", "noprefixroute");
        Lab.StartAgent(Lab.Node(winner));
        await Lab.EventuallyAsync(() => AgentLab.IpAddr(Lab.Node(winner), IPAddress.Parse(leftover)), a => a is null, "the leftover removed at start-up", 20);
        await Lab.WaitForAllAgentsAsync();
        await Lab.SingleHolderAsync(ip);
        Lab.DeleteService("crash");
    }

    [Fact]
    public async Task Winner_stopped_gracefully_hands_off_deletes_its_lease_and_never_both_hold_it()
    {
        await Lab.WaitForAllAgentsAsync();
        Lab.Service("graceful");
        var ip = (await Lab.IngressAsync("graceful", 1))[0];
        var winner = await Lab.SingleHolderAsync(ip);
        var agent = Lab.Agents[winner];
        var clock = Stopwatch.StartNew();
        agent.Signal(15);
        TimeSpan? handoff = null;
        int maxHolders = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            var h = Lab.HoldersOf(ip);
            maxHolders = Math.Max(maxHolders, h.Count);
            if (h.Count == 1 && h[0] != winner) { handoff = clock.Elapsed; break; }
            await Task.Delay(5);
        }
        output.WriteLine($"graceful handoff {winner}: {handoff?.TotalMilliseconds:F0} ms");
        Assert.True(handoff is not null, $"no handoff within 10 s\n{Lab.Logs()}");
        Assert.True(maxHolders <= 1, "two nodes held the address at once");
        // The 300 ms goal is measured by the bench (a wall-clock bound flakes on a loaded machine).
        Assert.True(agent.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, agent.ExitCode);
        Assert.DoesNotContain("purelb-node-" + winner, Lab.Leases());
        await Lab.WaitForAllAgentsAsync();
        Lab.DeleteService("graceful");
    }

    [Fact]
    public async Task Winner_cut_off_from_the_api_server_withdraws_before_another_node_adds_the_address()
    {
        await Lab.WaitForAllAgentsAsync();
        Lab.Service("partition");
        var ip = (await Lab.IngressAsync("partition", 1))[0];
        var winner = await Lab.SingleHolderAsync(ip);
        var clock = Stopwatch.StartNew();
        Lab.Net.Disconnect(Lab.Node(winner));
        TimeSpan? withdrawn = null, takenOver = null;
        int polls = 0;
        try
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(12) && takenOver is null)
            {
                var h = Lab.HoldersOf(ip);
                polls++;
                Assert.True(h.Count <= 1, $"both {string.Join(" and ", h)} held {ip} at {clock.ElapsedMilliseconds} ms");
                if (withdrawn is null && !h.Contains(winner)) withdrawn = clock.Elapsed;
                if (h.Count == 1 && h[0] != winner) takenOver = clock.Elapsed;
                await Task.Delay(20);
            }
        }
        finally
        {
            Lab.Net.Reconnect(Lab.Node(winner));
        }
        output.WriteLine($"partition of {winner}: withdrawn after {withdrawn?.TotalMilliseconds:F0} ms, taken over after {takenOver?.TotalMilliseconds:F0} ms ({polls} polls)");
        Assert.NotNull(withdrawn);
        Assert.NotNull(takenOver);
        Assert.True(withdrawn < takenOver);
        await Lab.WaitForAllAgentsAsync();
        await Lab.SingleHolderAsync(ip);
        Lab.DeleteService("partition");
    }

    [Fact]
    public async Task Address_removed_by_hand_comes_back()
    {
        await Lab.WaitForAllAgentsAsync();
        Lab.Service("manual");
        var ip = (await Lab.IngressAsync("manual", 1))[0];
        var winner = await Lab.SingleHolderAsync(ip);
        var clock = Stopwatch.StartNew();
        Lab.Node(winner).Namespace.Ip("addr", "del", $"{ip}/24", "dev", "eth0");
        await Lab.EventuallyAsync(() => Lab.HoldersOf(ip), h => h.SequenceEqual([winner]), $"{ip} back on {winner}", 10);
        // The 1 s goal is a measurement, not a pass/fail bound here: this figure includes spawning `ip` for every
        // poll and flaked at 1.5 s once while the rest of the suite ran in parallel. It belongs in ./build.sh bench.
        output.WriteLine($"re-added after {clock.ElapsedMilliseconds} ms");
        Lab.DeleteService("manual");
    }

    [Fact]
    public async Task Agents_fault_in_their_binary_a_page_at_a_time_and_drop_start_up_pages_once_synced()
    {
        await Lab.WaitForAllAgentsAsync();
        var refusal = PageResidency.KernelRefusal();
        foreach (var (node, agent) in Lab.Agents)
        {
            if (refusal is not null)
            {
                // Without the kernel's support the agent runs as before and says why.
                Assert.Contains(agent.Lines(), l => l.Contains("memory: fault-around left to the kernel"));
                continue;
            }
            var exe = File.ResolveLinkTarget($"/proc/{agent.Pid}/exe", returnFinalTarget: true)!.FullName;
            var flags = ExecutableVmFlags(agent.Pid, exe);
            Assert.NotEmpty(flags);
            // "uw": registered with the userfaultfd that switches fault-around off (Modes/Memory/PageResidency.cs).
            Assert.All(flags, f => Assert.Contains("uw", f.Split(' ')));
            Assert.Contains(agent.Lines(), l => l.Contains("memory: fault-around off for"));
            var dropped = await Lab.EventuallyAsync(() => agent.Lines().FirstOrDefault(l => l.Contains("memory: start-up pages dropped: ")),
                l => l is not null, $"{node} dropping its start-up pages");
            var pages = long.Parse(dropped!.Split("memory: start-up pages dropped: ")[1].Split(' ')[0]);
            Assert.True(pages > 0, dropped);
            var metrics = await Lab.MetricsAsync(node);
            Assert.Equal(1, AgentLab.Metric(metrics, "purelb_memory_fault_around_off"));
            Assert.True(AgentLab.Metric(metrics, "purelb_memory_pages_dropped_total") >= pages, metrics);
        }
    }

    private static List<string> ExecutableVmFlags(int pid, string exe)
    {
        var flags = new List<string>();
        bool inside = false;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps"))
        {
            if (line.Length > 0 && char.IsAsciiHexDigit(line[0]) && line.Contains('-')) inside = line.EndsWith(" " + exe, StringComparison.Ordinal);
            else if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal)) flags.Add(line["VmFlags:".Length..].Trim());
        }
        return flags;
    }

    private PacketCapture CaptureOnControlPlane()
    {
        using var ns = NetworkNamespace.Open(Lab.Net.ControlPlane.Name);
        using var rt = RtNetlink.Open(ns);
        return new PacketCapture(ns, rt.Links.GetByName("eth0").Index);
    }

    private static bool IsArp(byte[] f) => f.Length >= 42 && f[12] == 0x08 && f[13] == 0x06;

    private static IPAddress ArpSender(byte[] f) => new(f.AsSpan(28, 4));

    private static bool IsNeighborAdvertisement(byte[] f) => f.Length >= 78 && f[12] == 0x86 && f[13] == 0xdd && f[20] == 58 && f[54] == 136;

    private static IPAddress NaTarget(byte[] f) => new(f.AsSpan(62, 16));
}
