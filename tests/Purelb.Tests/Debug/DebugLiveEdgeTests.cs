using System.Text.Json.Nodes;
using Purelb.Kube.Yaml;
using Xunit;

namespace Purelb.Tests.Debug;

/// <summary>Live reports in situations the shared seeded cluster does not have.</summary>
public sealed class DebugLiveEdgeTests
{
    private const string Brand = """{"purelb.io/allocated-by":"PureLB","purelb.io/allocated-from":"default","purelb.io/pool-type":"local"}""";

    [Fact]
    public async Task Two_services_holding_one_unshared_address_show_the_later_one_as_a_conflict()
    {
        await using var cluster = await DebugCluster.StartAsync();
        cluster.LocalGroup("default", "192.0.2.0/29", "192.0.2.0/24");
        cluster.Service("default", "first", Brand, ["192.0.2.3"]);
        await Task.Delay(1100); // creation timestamps have second precision: the allocator adopts the older first
        cluster.Service("default", "second", Brand, ["192.0.2.3"]);

        var report = await cluster.JsonAsync("pools");
        var services = report["services"]!.AsArray();
        Assert.Equal("allocated", (string?)services.Single(s => (string?)s!["name"] == "first")!["status"]);
        var second = services.Single(s => (string?)s!["name"] == "second")!;
        Assert.Equal("conflict", (string?)second["status"]);
        Assert.Contains("cannot keep", (string?)second["reason"]);
        Assert.Equal(1, (int)report["groups"]![0]!["ipv4"]!["used"]!);

        var live = await cluster.JsonAsync("services");
        var problems = live["services"]!.AsArray().Single(s => (string?)s!["name"] == "second")!["problems"]!.AsArray();
        Assert.Contains(problems, p => ((string?)p)!.StartsWith("the allocator cannot keep its addresses", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Yaml_output_of_the_live_reports_reads_back_as_their_json()
    {
        await using var cluster = await DebugCluster.StartAsync();
        cluster.LocalGroup("default", "192.0.2.0/29", "192.0.2.0/24");
        cluster.Service("default", "web", Brand, ["192.0.2.1"]);
        cluster.Lease("node-a", "192.0.2.0/24", TimeSpan.FromSeconds(1), durationSeconds: 3600);
        foreach (var command in new[] { "pools", "services", "validate" })
        {
            var json = await cluster.JsonAsync(command);
            var (_, yaml, _) = await cluster.RunAsync(command, "-o", "yaml");
            Assert.True(JsonNode.DeepEquals(json, JsonNode.Parse(YamlReader.ReadSingle(yaml)!.ToJsonString())), yaml);
        }
    }

    [Fact]
    public async Task An_empty_cluster_is_reported_plainly()
    {
        await using var cluster = await DebugCluster.StartAsync();
        var (exit, services, _) = await cluster.RunAsync("services");
        Assert.Equal(0, exit);
        Assert.Contains("No LoadBalancer Services for purelb.", services);
        var (_, election, _) = await cluster.RunAsync("election");
        Assert.Contains("No node agent Leases (purelb-node-*) in namespace purelb-system.", election);
        var (validateExit, validate, _) = await cluster.RunAsync("validate");
        Assert.Equal(0, validateExit);
        Assert.Contains("0 ServiceGroup(s), 0 LBNodeAgent(s), 0 Service(s) checked: no problems.", validate);
    }
}
