using System.CommandLine;
using System.Text.Json.Nodes;
using Purelb.Modes;
using Xunit;

namespace Purelb.Tests.Debug;

/// <summary>`purelb debug validate` against files and against a cluster.</summary>
public sealed class DebugValidateCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("purelb-validate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Sample(string file) => Path.Combine(AppContext.BaseDirectory, "deploy", "samples", file);

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await PurelbCli.Build().Parse(["debug", "validate", .. args])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private const string Groups = """
        apiVersion: purelb.io/v2
        kind: ServiceGroup
        metadata: {name: main, namespace: purelb-system}
        spec:
          local:
            v4pool: {pool: 192.0.2.0/28, subnet: 192.0.2.0/24, aggregation: default}
        ---
        apiVersion: purelb.io/v2
        kind: ServiceGroup
        metadata: {name: overlap, namespace: purelb-system}
        spec:
          remote:
            v4pool: {pool: 192.0.2.8-192.0.2.20, subnet: 192.0.2.0/24, aggregation: /32}
        """;

    private const string Agents = """
        apiVersion: purelb.io/v2
        kind: LBNodeAgent
        metadata: {name: broken, namespace: purelb-system}
        spec:
          local:
            localInterface: "eth(0"
        """;

    private const string Services = """
        apiVersion: v1
        kind: Service
        metadata:
          name: dual
          namespace: default
          annotations: {purelb.io/service-group: main}
        spec:
          type: LoadBalancer
          ipFamilyPolicy: RequireDualStack
          ipFamilies: [IPv4, IPv6]
          ports: [{port: 80, protocol: TCP}]
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: pinned
          namespace: default
          annotations: {purelb.io/service-group: main, purelb.io/addresses: 203.0.113.9}
        spec:
          type: LoadBalancer
          ipFamilies: [IPv4]
          ports: [{port: 80, protocol: TCP}]
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: lost
          namespace: default
          annotations: {purelb.io/service-group: nosuch}
        spec:
          type: LoadBalancer
          ipFamilies: [IPv4]
          ports: [{port: 80, protocol: TCP}]
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: fine
          namespace: default
          annotations: {purelb.io/service-group: main}
        spec:
          type: LoadBalancer
          ipFamilies: [IPv4]
          ports: [{port: 80, protocol: TCP}]
        """;

    [Fact]
    public async Task The_samples_are_valid()
    {
        var (exit, output, error) = await RunAsync("--file", Sample("servicegroups.yaml"), Sample("lbnodeagent.yaml"), Sample("services.yaml"));
        Assert.True(exit == 0, output + error);
        Assert.Matches(@"\d+ ServiceGroup\(s\), \d+ LBNodeAgent\(s\), \d+ Service\(s\) checked: no problems\.", output);
    }

    [Fact]
    public async Task Files_with_every_kind_of_problem_exit_1_and_name_each()
    {
        var groups = WriteFile("groups.yaml", Groups);
        var agents = WriteFile("agents.yaml", Agents);
        var services = WriteFile("services.yaml", Services);
        var (exit, output, _) = await RunAsync("--file", groups, agents, services);
        Assert.Equal(1, exit);
        var lines = output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Contains(lines, l => l.StartsWith($"error: {groups}: ServiceGroup purelb-system/overlap: ", StringComparison.Ordinal) && l.Contains("overlaps"));
        Assert.Contains(lines, l => l.StartsWith($"error: {agents}: LBNodeAgent purelb-system/broken: spec.local.localInterface \"eth(0\" is not a valid regular expression", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"error: {services}: Service default/dual: can never get an address: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"error: {services}: Service default/pinned: can never get an address: ", StringComparison.Ordinal) && l.Contains("203.0.113.9"));
        Assert.Contains(lines, l => l.StartsWith($"error: {services}: Service default/lost: can never get an address: unknown pool \"nosuch\"", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("default/fine"));
        Assert.Contains("2 ServiceGroup(s), 1 LBNodeAgent(s), 4 Service(s) checked: 5 problem(s).", output);

        var (jsonExit, json, _) = await RunAsync("--file", groups, agents, services, "-o", "json");
        Assert.Equal(1, jsonExit);
        var report = JsonNode.Parse(json)!;
        Assert.Equal(5, report["problems"]!.AsArray().Count);
        Assert.Equal(4, (int)report["services"]!);
        Assert.All(report["problems"]!.AsArray(), p => Assert.False(string.IsNullOrEmpty((string?)p!["file"])));
    }

    [Fact]
    public async Task A_cluster_with_overlapping_groups_and_a_bad_agent_regex_exits_1()
    {
        await using var cluster = await DebugCluster.StartAsync();
        cluster.LocalGroup("first", "192.0.2.0/28", "192.0.2.0/24");
        cluster.LocalGroup("second", "192.0.2.0/29", "192.0.2.0/24");
        cluster.Create("""
            {"apiVersion":"purelb.io/v2","kind":"LBNodeAgent","metadata":{"name":"broken","namespace":"purelb-system"},
             "spec":{"local":{"localInterface":"eth(0"}}}
            """);
        var (exit, output, error) = await cluster.RunAsync("validate");
        Assert.True(exit == 1, output + error);
        Assert.Contains("error: cluster: ServiceGroup purelb-system/second: ", output);
        Assert.Contains("error: cluster: LBNodeAgent purelb-system/broken: spec.local.localInterface", output);
        Assert.Contains("2 ServiceGroup(s), 1 LBNodeAgent(s), 0 Service(s) checked: 2 problem(s).", output);
    }

    [Fact]
    public async Task An_unreachable_cluster_is_reported_not_thrown()
    {
        var kubeconfig = WriteFile("kubeconfig", """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "http://127.0.0.1:1"}}]
            contexts: [{name: c, context: {cluster: c}}]
            current-context: c
            """);
        var (exit, _, error) = await RunAsync("--kubeconfig", kubeconfig);
        Assert.Equal(Purelb.Modes.Debug.LiveCluster.ExitUnreachable, exit);
        Assert.Contains("purelb debug validate: cannot read the cluster:", error);
    }
}
