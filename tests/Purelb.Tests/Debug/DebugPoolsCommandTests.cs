using System.CommandLine;
using System.Text.Json.Nodes;
using Purelb.Kube.Yaml;
using Purelb.Modes;
using Xunit;

namespace Purelb.Tests.Debug;

/// <summary>`purelb debug pools --file` run in-process through the real command tree.</summary>
public sealed class DebugPoolsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("purelb-debug-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Sample(string file) => Path.Combine(AppContext.BaseDirectory, "deploy", "samples", file);

    private string WriteFile(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = PurelbCli.Build().Parse(["debug", "pools", .. args]).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    private static JsonNode Json(params string[] args)
    {
        var (exit, output, error) = Run([.. args, "-o", "json"]);
        Assert.True(exit == 0, error);
        return JsonNode.Parse(output)!;
    }

    private static JsonNode Service(JsonNode report, string name) =>
        report["services"]!.AsArray().Single(s => (string?)s!["name"] == name)!;

    private static JsonNode Group(JsonNode report, string name) =>
        report["groups"]!.AsArray().Single(g => (string?)g!["name"] == name)!;

    [Fact]
    public void Samples_place_every_service_and_print_tables()
    {
        var (exit, output, error) = Run("--file", Sample("servicegroups.yaml"), "--services", Sample("services.yaml"));
        Assert.Equal(0, exit);
        Assert.DoesNotContain("error:", error);
        foreach (var group in new[] { "default", "l2-dual", "routed", "tenant-a" })
        {
            Assert.Contains($"\n{group} ", "\n" + output);
        }
        Assert.Contains("SERVICEGROUP  NAMESPACE", output);
        Assert.Matches(@"default/web\s+allocated\s+default\s+192\.0\.2\.200\s", output);
        Assert.Matches(@"tenant-a/shop\s+allocated\s+tenant-a\s+198\.51\.100\.100\s+namespace default", output);
        Assert.Matches(@"default/mail\s+allocated\s+l2-dual\s+192\.0\.2\.70\s+pinned addresses", output);
    }

    [Fact]
    public void Json_output_gives_addresses_sizes_and_use()
    {
        var report = Json("--file", Sample("servicegroups.yaml"), "--services", Sample("services.yaml"));
        Assert.Empty(report["problems"]!.AsArray());
        var api = Service(report, "api");
        Assert.Equal("allocated", (string?)api["status"]);
        Assert.Equal(["192.0.2.64", "2001:db8:10::100"], api["addresses"]!.AsArray().Select(a => (string?)a));
        var udp = Service(report, "dns-udp")["addresses"]!.AsArray().Select(a => (string?)a).ToList();
        var tcp = Service(report, "dns-tcp")["addresses"]!.AsArray().Select(a => (string?)a).ToList();
        Assert.Equal(udp, tcp);
        Assert.Equal(["203.0.113.0"], udp);
        var ingress = Service(report, "ingress")["addresses"]!.AsArray().Select(a => (string?)a).ToList();
        Assert.Equal(2, ingress.Count);
        Assert.DoesNotContain(ingress, a => udp.Contains(a));

        var routed = Group(report, "routed");
        Assert.Equal("remote", (string?)routed["type"]);
        Assert.Equal(64, (int)routed["ipv4"]!["size"]!);
        Assert.Equal(2, (int)routed["ipv4"]!["used"]!); // the shared address counts once
        Assert.Equal(62, (int)routed["ipv4"]!["free"]!);
        Assert.Equal(255, (int)routed["ipv6"]!["size"]!);
        Assert.Equal("/32", (string?)routed["ranges"]![0]!["aggregation"]);
        var dual = Group(report, "l2-dual");
        Assert.Equal(36, (int)dual["ipv4"]!["size"]!);
        Assert.Equal(2, (int)dual["ipv4"]!["used"]!);
        Assert.Equal(256, (int)dual["ipv6"]!["size"]!);
        Assert.Equal(1, (int)dual["ranges"]![3 - 1]!["used"]!); // the v6 range
        Assert.True((bool)dual["balancePools"]!);
    }

    [Fact]
    public void Yaml_output_reads_back_as_the_json_output()
    {
        string[] args = ["--file", Sample("servicegroups.yaml"), "--services", Sample("services.yaml")];
        var json = Json(args);
        var (exit, yaml, _) = Run([.. args, "-o", "yaml"]);
        Assert.Equal(0, exit);
        Assert.True(JsonNode.DeepEquals(json, JsonNode.Parse(YamlReader.ReadSingle(yaml)!.ToJsonString())), yaml);
    }

    [Fact]
    public void Invalid_input_lists_every_problem_with_file_and_object_and_exits_1()
    {
        var groups = WriteFile("groups.yaml", """
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: reversed, namespace: purelb-system}
            spec:
              local:
                v4pool: {subnet: 192.0.2.0/24, pool: 192.0.2.10-192.0.2.5}
            ---
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: good, namespace: purelb-system}
            spec:
              local:
                v4pool: {subnet: 192.0.2.0/24, pool: 192.0.2.0/25}
            ---
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: inside, namespace: purelb-system}
            spec:
              remote:
                v4pool: {subnet: 192.0.2.0/24, pool: 192.0.2.16/28}
            ---
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: typo, namespace: purelb-system}
            spec:
              remote: {v4Pools: []}
            """);
        var services = WriteFile("svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: LoadBalancer, ports: [{port: x}]}\n");
        var (exit, output, error) = Run("--file", groups, "--services", services);
        Assert.Equal(1, exit);
        var lines = error.Split('\n').Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        Assert.Contains(lines, l => l.StartsWith($"error: {groups}: ServiceGroup purelb-system/reversed: spec.local.v4pool", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"error: {groups}: ServiceGroup purelb-system/inside: ", StringComparison.Ordinal) && l.Contains("good"));
        Assert.Contains($"error: {groups}: ServiceGroup purelb-system/typo: spec.remote.v4Pools: unknown field", lines);
        Assert.Contains($"error: {services}: Service s: spec.ports[0].port: expected an integer", lines);
        Assert.Equal(4, lines.Count);
        Assert.Contains("4 problem(s) found.", error);
        Assert.Contains("good", output); // the valid group is still shown
    }

    [Fact]
    public void A_missing_file_is_a_problem()
    {
        var missing = Path.Combine(_dir, "nope.yaml");
        var (exit, _, error) = Run("--file", missing);
        Assert.Equal(1, exit);
        Assert.Contains($"error: {missing}: file: cannot be read", error);
    }

    [Fact]
    public void Unplaceable_services_are_pending_with_the_reason_not_errors()
    {
        var groups = WriteFile("groups.yaml", """
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: default, namespace: purelb-system}
            spec:
              local:
                v4pool: {subnet: 192.0.2.0/24, pool: 192.0.2.1-192.0.2.2}
            """);
        var services = WriteFile("svc.yaml", """
            apiVersion: v1
            kind: Service
            metadata: {name: one, namespace: app}
            spec: {type: LoadBalancer, ipFamilies: [IPv4], ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: two, namespace: app}
            spec: {type: LoadBalancer, ipFamilies: [IPv4], ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: three, namespace: app}
            spec: {type: LoadBalancer, ipFamilies: [IPv4], ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: lost, namespace: app, annotations: {purelb.io/service-group: nosuch}}
            spec: {type: LoadBalancer, ipFamilies: [IPv4], ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: internal, namespace: app}
            spec: {type: ClusterIP, ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: metallb, namespace: app}
            spec: {type: LoadBalancer, loadBalancerClass: metallb.io/metallb, ports: [{port: 80}]}
            """);
        var report = Json("--file", groups, "--services", services);
        Assert.Equal(["192.0.2.1"], Service(report, "one")["addresses"]!.AsArray().Select(a => (string?)a));
        Assert.Equal(["192.0.2.2"], Service(report, "two")["addresses"]!.AsArray().Select(a => (string?)a));
        Assert.Equal("pending", (string?)Service(report, "three")["status"]);
        Assert.Contains("exhausted", (string?)Service(report, "three")["reason"]);
        Assert.Equal("pending", (string?)Service(report, "lost")["status"]);
        Assert.Contains("unknown pool \"nosuch\"", (string?)Service(report, "lost")["reason"]);
        Assert.Equal("skipped", (string?)Service(report, "internal")["status"]);
        Assert.Equal("skipped", (string?)Service(report, "metallb")["status"]);
        Assert.Equal(0, (int)Group(report, "default")["ipv4"]!["free"]!);
    }

    [Fact]
    public void Services_keep_the_addresses_they_already_hold()
    {
        var groups = WriteFile("groups.yaml", """
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: default, namespace: purelb-system}
            spec:
              local:
                v4pool: {subnet: 192.0.2.0/24, pool: 192.0.2.1-192.0.2.3}
            """);
        // "new" comes first in the file but must not take the address "old" already holds.
        var services = WriteFile("svc.yaml", """
            apiVersion: v1
            kind: Service
            metadata: {name: new, namespace: app}
            spec: {type: LoadBalancer, ipFamilies: [IPv4], ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: old, namespace: app, annotations: {purelb.io/allocated-by: PureLB, purelb.io/allocated-from: default}}
            spec: {type: LoadBalancer, ipFamilies: [IPv4], ports: [{port: 80}]}
            status: {loadBalancer: {ingress: [{ip: 192.0.2.1}]}}
            """);
        var report = Json("--file", groups, "--services", services);
        Assert.Equal("kept", (string?)Service(report, "old")["status"]);
        Assert.Equal(["192.0.2.1"], Service(report, "old")["addresses"]!.AsArray().Select(a => (string?)a));
        Assert.Equal(["192.0.2.2"], Service(report, "new")["addresses"]!.AsArray().Select(a => (string?)a));
        Assert.Equal(["new", "old"], report["services"]!.AsArray().Select(s => (string?)s!["name"]));
    }

    [Fact]
    public void Large_ipv6_pools_report_their_true_size()
    {
        var groups = WriteFile("groups.json", """
            {"apiVersion": "purelb.io/v2", "kind": "ServiceGroup", "metadata": {"name": "big"},
             "spec": {"local": {"v6pool": {"subnet": "2001:db8:1::/64", "pool": "2001:db8:1::/64"}}}}
            """);
        var (exit, output, error) = Run("--file", groups, "-o", "json");
        Assert.True(exit == 0, error);
        Assert.Contains("\"size\": 18446744073709551616", output);
        Assert.Contains("\"namespace\": \"purelb-system\"", output); // a group without namespace lands in the install namespace
    }

    [Fact]
    public void Without_files_it_reads_the_cluster_and_says_when_it_cannot()
    {
        var (exit, _, error) = Run("--kubeconfig", Path.Combine(_dir, "no-such-kubeconfig"));
        Assert.Equal(Purelb.Modes.Debug.LiveCluster.ExitUnreachable, exit);
        Assert.Contains("purelb debug pools: cannot read the cluster:", error);
        Assert.Equal(1, Run("--services", Sample("services.yaml")).Exit);
    }

    /// <summary>A proxy or login page answering in place of the API server: one clear line, no stack trace.</summary>
    [Fact]
    public async Task A_server_that_answers_html_instead_of_the_api_is_a_clear_error()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var serving = Task.Run(async () =>
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync();
                var stream = client.GetStream();
                var buffer = new byte[8192];
                _ = await stream.ReadAsync(buffer); // the request itself does not matter
                var body = "<html><body>Please log in</body></html>";
                await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(
                    $"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"));
            }
        });
        try
        {
            var kubeconfig = WriteFile("html.kubeconfig", $$$"""
                {"apiVersion":"v1","kind":"Config","current-context":"c",
                 "clusters":[{"name":"c","cluster":{"server":"http://127.0.0.1:{{{port}}}"}}],
                 "contexts":[{"name":"c","context":{"cluster":"c"}}]}
                """);
            var (exit, _, error) = Run("--kubeconfig", kubeconfig);
            Assert.Equal(Purelb.Modes.Debug.LiveCluster.ExitUnreachable, exit);
            Assert.StartsWith("purelb debug pools: cannot read the cluster: JsonException:", error);
            Assert.DoesNotContain("   at ", error);
        }
        finally
        {
            listener.Stop();
            await Task.WhenAny(serving, Task.Delay(1000));
        }
    }

    [Fact]
    public void Unknown_output_formats_are_rejected()
    {
        var result = PurelbCli.Build().Parse(["debug", "pools", "--file", Sample("servicegroups.yaml"), "-o", "xml"]);
        Assert.NotEmpty(result.Errors);
    }
}
