using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace Purelb.Tests.Debug;

/// <summary>
/// A cluster as the allocator and three node agents would have left it: two groups, five Services (local, remote,
/// remote with externalTrafficPolicy Local, refused, and one holding an address outside every pool), three Leases
/// (one expired), EndpointSlices and a Warning event.
/// </summary>
public sealed class DebugClusterFixture : IAsyncLifetime
{
    public DebugCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await DebugCluster.StartAsync();
        var c = Cluster;
        c.LocalGroup("default", "192.0.2.0/28", "192.0.2.0/24");
        c.RemoteGroup("routed", "198.51.100.0/30", "198.51.100.0/24");
        c.Service("default", "web", """{"purelb.io/allocated-by":"PureLB","purelb.io/allocated-from":"default","purelb.io/pool-type":"local","purelb.io/announcing-IPv4":"node-a,eth0,192.0.2.1"}""",
            ["192.0.2.1"]);
        c.Service("default", "quiet", """{"purelb.io/allocated-by":"PureLB","purelb.io/allocated-from":"default","purelb.io/pool-type":"local"}""", ["192.0.2.2"]);
        c.Service("default", "api", """{"purelb.io/allocated-by":"PureLB","purelb.io/allocated-from":"routed","purelb.io/pool-type":"remote"}""", ["198.51.100.1"]);
        c.Service("shop", "cart", """{"purelb.io/allocated-by":"PureLB","purelb.io/allocated-from":"routed","purelb.io/pool-type":"remote"}""", ["198.51.100.2"],
            ""","externalTrafficPolicy":"Local" """);
        c.Service("default", "pending", """{"purelb.io/service-group":"nosuch"}""");
        c.Service("default", "stray", """{"purelb.io/allocated-by":"PureLB","purelb.io/allocated-from":"default","purelb.io/pool-type":"local"}""", ["203.0.113.5"]);
        c.Lease("node-a", "192.0.2.0/24", TimeSpan.FromSeconds(2));
        c.Lease("node-b", "192.0.2.0/24,198.51.100.0/24", TimeSpan.FromSeconds(3));
        c.Lease("node-c", "192.0.2.0/24", TimeSpan.FromMinutes(10));
        c.EndpointSlice("shop", "cart", ("node-a", false), ("node-b", true));
        c.WarningEvent("default", "pending", "pending.1", "AllocationFailed", "old message", TimeSpan.FromMinutes(5));
        c.WarningEvent("default", "pending", "pending.2", "AllocationFailed", "unknown pool \\\"nosuch\\\"", TimeSpan.FromSeconds(5));
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

public sealed class DebugLiveCommandTests(DebugClusterFixture fixture) : IClassFixture<DebugClusterFixture>
{
    private DebugCluster Cluster => fixture.Cluster;

    private static JsonNode Named(JsonNode list, string name) =>
        list.AsArray().Single(n => (string?)n!["name"] == name)!;

    private static void FitsHundredColumns(string output)
    {
        foreach (var line in output.Split('\n'))
        {
            Assert.True(line.TrimEnd('\r').Length <= 100, $"line longer than 100 columns: {line}");
        }
        Assert.DoesNotContain("\u001b[", output); // never colour into a captured stream
    }

    [Fact]
    public async Task Pools_counts_what_the_services_hold_per_group_and_range()
    {
        var report = await Cluster.JsonAsync("pools");
        var local = Named(report["groups"]!, "default");
        Assert.Equal(16, (int)local["ipv4"]!["size"]!);
        Assert.Equal(2, (int)local["ipv4"]!["used"]!); // web and quiet; stray's address is in no pool
        Assert.Equal(14, (int)local["ipv4"]!["free"]!);
        var routed = Named(report["groups"]!, "routed");
        Assert.Equal("remote", (string?)routed["type"]);
        Assert.Equal(2, (int)routed["ranges"]![0]!["used"]!);
        Assert.Equal(2, (int)routed["ranges"]![0]!["free"]!);
        var stray = Named(report["services"]!, "stray");
        Assert.Contains(stray["warnings"]!.AsArray(), w => ((string?)w)!.Contains("203.0.113.5 is in no pool"));

        var (exit, table, error) = await Cluster.RunAsync("pools");
        Assert.True(exit == 0, error);
        FitsHundredColumns(table);
        Assert.Matches(@"default\s+purelb-system\s+local\s+IPv4\s+16\s+2\s+14\s+\[##--------\]\s+13%", table);
        Assert.Matches(@"routed\s+IPv4\s+198\.51\.100\.0/30\s+4\s+2\s+2\s+\[#####-----\]\s+50%", table);
    }

    [Fact]
    public async Task Services_show_who_announces_each_address_and_what_is_wrong()
    {
        var report = await Cluster.JsonAsync("services");
        var services = report["services"]!;
        Assert.Equal(6, services.AsArray().Count);

        var web = Named(services, "web");
        Assert.Equal("default", (string?)web["group"]);
        var webAddress = web["addresses"]![0]!;
        Assert.Equal("local", (string?)webAddress["announcement"]);
        Assert.Equal("node-a", (string?)webAddress["announcedBy"]![0]!["node"]);
        Assert.Equal("eth0", (string?)webAddress["announcedBy"]![0]!["interface"]);
        Assert.Empty(web["problems"]!.AsArray());

        // Remote, externalTrafficPolicy Cluster: every node with a live Lease (node-c's expired ten minutes ago).
        var api = Named(services, "api");
        Assert.Equal(["node-a", "node-b"], api["addresses"]![0]!["announcedBy"]!.AsArray().Select(a => (string)a!["node"]!));
        // Remote, Local: only nodes with a ready endpoint.
        var cart = Named(services, "cart");
        Assert.Equal(["node-b"], cart["addresses"]![0]!["announcedBy"]!.AsArray().Select(a => (string)a!["node"]!));

        var quiet = Named(services, "quiet");
        Assert.Contains(quiet["problems"]!.AsArray(), p => ((string?)p)!.Contains("no node announces 192.0.2.2 yet") && ((string?)p)!.Contains("node-a, node-b"));
        var pending = Named(services, "pending");
        Assert.Empty(pending["addresses"]!.AsArray());
        Assert.Equal("no address: AllocationFailed: unknown pool \"nosuch\"", (string?)pending["problems"]![0]);
        var stray = Named(services, "stray");
        Assert.Contains(stray["problems"]!.AsArray(), p => ((string?)p)!.StartsWith("203.0.113.5 is outside every pool", StringComparison.Ordinal));

        var (exit, table, error) = await Cluster.RunAsync("services");
        Assert.True(exit == 0, error);
        FitsHundredColumns(table);
        Assert.Matches(@"default/web\s+default\s+local\s+192\.0\.2\.1\s+node-a/eth0", table);
        Assert.Matches(@"default/api\s+routed\s+remote\s+198\.51\.100\.1\s+node-a,node-b", table);
        Assert.Matches(@"shop/cart\s+routed\s+remote\s+198\.51\.100\.2\s+node-b", table);
        Assert.Matches(@"default/pending\s+-\s+-\s+<none>", table);
        Assert.Contains("  default/pending: no address: AllocationFailed: unknown pool \"nosuch\"", table);
    }

    [Fact]
    public async Task Election_lists_members_and_ranks_nodes_for_an_address()
    {
        var report = await Cluster.JsonAsync("election", "--address", "192.0.2.1");
        var members = report["members"]!;
        Assert.Equal(3, members.AsArray().Count);
        var b = members.AsArray().Single(m => (string?)m!["node"] == "node-b")!;
        Assert.True((bool)b["live"]!);
        Assert.Equal(["192.0.2.0/24", "198.51.100.0/24"], b["subnets"]!.AsArray().Select(s => (string)s!));
        Assert.InRange((long)b["ageSeconds"]!, 2, 60);
        var c = members.AsArray().Single(m => (string?)m!["node"] == "node-c")!;
        Assert.False((bool)c["live"]!);
        Assert.InRange((long)c["ageSeconds"]!, 590, 700);

        // The expected order is computed here from the hash's definition, not with the product's selector.
        var expected = new[] { "node-a", "node-b" }.OrderBy(n => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{n}#192.0.2.1"))), StringComparer.Ordinal).ToList();
        var address = report["address"]!;
        Assert.Equal(expected, address["ranking"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(expected[0], (string?)address["winner"]);
        Assert.Equal(["default/web"], address["services"]!.AsArray().Select(s => (string)s!));

        var (exit, table, error) = await Cluster.RunAsync("election", "--address", "192.0.2.1");
        Assert.True(exit == 0, error);
        FitsHundredColumns(table);
        Assert.Matches(@"node-c\s+expired\s+1\dm\s+15s\s+192\.0\.2\.0/24", table);
        Assert.Matches(@"node-b\s+live\s+\d+s\s+15s\s+192\.0\.2\.0/24,198\.51\.100\.0/24", table);
        Assert.Contains("2 of 3 members live.", table);
        Assert.Contains($"Winner: {expected[0]}", table);
        Assert.Matches($@"1\s+{expected[0]}\s*\n2\s+{expected[1]}", table.Replace("\r", ""));

        var nobody = await Cluster.JsonAsync("election", "--address", "10.9.9.9");
        Assert.Null(nobody["address"]!["winner"]);
        Assert.Empty(nobody["address"]!["ranking"]!.AsArray());
    }

    [Fact]
    public async Task Election_refuses_an_address_that_is_not_one()
    {
        var (exit, _, _) = await Cluster.RunAsync("election", "--address", "not-an-ip");
        Assert.NotEqual(0, exit);
    }

    [Fact]
    public async Task Validate_passes_a_consistent_cluster_but_names_services_that_can_never_be_satisfied()
    {
        // The seeded cluster's groups are valid; the Service naming a missing group is the one problem.
        var (exit, output, error) = await Cluster.RunAsync("validate");
        Assert.True(exit == 1, output + error);
        Assert.Contains("error: cluster: Service default/pending: can never get an address: unknown pool \"nosuch\"", output);
        Assert.Contains("2 ServiceGroup(s), 0 LBNodeAgent(s), 6 Service(s) checked: 1 problem(s).", output);
        var report = await Cluster.JsonAsync("validate");
        Assert.Single(report["problems"]!.AsArray());
    }
}
