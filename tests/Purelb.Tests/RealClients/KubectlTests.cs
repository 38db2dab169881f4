using System.Text.Json.Nodes;
using Xunit;

namespace Purelb.Tests.RealClients;

/// <summary>kubectl (the one on PATH) against the standalone server: output and exit codes as on a real cluster.</summary>
public class KubectlTests(RealClientServer server) : IClassFixture<RealClientServer>
{
    static void Ok(ClientResult r) => Assert.True(r.ExitCode == 0, r.ToString());

    static string Svc(string ns, string name, int port = 80, string type = "LoadBalancer", string extra = "") => $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: {ns}
          labels: {"{"}app: {name}{"}"}
        spec:
          type: {type}
          selector: {"{"}app: {name}{"}"}
          ports:
          - name: http
            port: {port}
        {extra}
        """;

    [Fact]
    public async Task Version_prints_client_and_server_versions()
    {
        var r = await server.KubectlAsync("version", "-o", "json");
        Ok(r);
        var v = JsonNode.Parse(r.Stdout)!;
        Assert.Equal("v1.32.0", (string)v["serverVersion"]!["gitVersion"]!);
        Assert.NotNull(v["clientVersion"]);
    }

    [Fact]
    public async Task Api_resources_lists_builtin_kinds_and_our_CRDs_with_short_names()
    {
        var r = await server.KubectlAsync("api-resources");
        Ok(r);
        var lines = r.Stdout.Split('\n').Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToList();
        Assert.Contains("servicegroups sg,sgs purelb.io/v2 true ServiceGroup", lines);
        Assert.Contains("lbnodeagents lbna,lbnas purelb.io/v2 true LBNodeAgent", lines);
        Assert.Contains("services svc v1 true Service", lines);
        Assert.Contains("leases coordination.k8s.io/v1 true Lease", lines);
        Assert.Contains("endpointslices discovery.k8s.io/v1 true EndpointSlice", lines);
        Assert.Contains("nodes no v1 false Node", lines);
        var purelbOnly = await server.KubectlAsync("api-resources", "--api-group=purelb.io", "-o", "name");
        Ok(purelbOnly);
        Assert.Equal(["lbnodeagents.purelb.io", "servicegroups.purelb.io"], purelbOnly.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order().ToArray());
    }

    [Fact]
    public async Task Apply_twice_changing_a_field_then_get_in_every_output_format()
    {
        var ns = await server.NewNamespaceAsync("apply");
        var first = await server.KubectlInAsync(Svc(ns, "web"), "apply", "-f", "-");
        Ok(first);
        Assert.Equal("service/web created", first.Stdout.Trim());
        var same = await server.KubectlInAsync(Svc(ns, "web"), "apply", "-f", "-");
        Assert.Equal("service/web unchanged", same.Stdout.Trim());
        var changed = await server.KubectlInAsync(Svc(ns, "web", 8080), "apply", "-f", "-");
        Assert.Equal("service/web configured", changed.Stdout.Trim());

        var json = await server.KubectlAsync("get", "svc", "web", "-n", ns, "-o", "json");
        Ok(json);
        var obj = JsonNode.Parse(json.Stdout)!;
        Assert.Equal(8080, (int)obj["spec"]!["ports"]![0]!["port"]!);
        Assert.Single(obj["spec"]!["ports"]!.AsArray());
        Assert.Contains("\"port\":8080", (string)obj["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"]!);

        var yaml = await server.KubectlAsync("get", "svc", "web", "-n", ns, "-o", "yaml");
        Ok(yaml);
        Assert.Contains("kind: Service", yaml.Stdout);
        Assert.Contains("- name: http", yaml.Stdout);
        Assert.Contains("port: 8080", yaml.Stdout);

        var table = await server.KubectlAsync("get", "svc", "-n", ns);
        Ok(table);
        var rows = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$", rows[0]);
        Assert.Matches(@"^web\s+LoadBalancer\s+10\.96\.\d+\.\d+\s+<pending>\s+8080:3\d{4}/TCP\s+\d+s$", rows[1]);
        var wide = await server.KubectlAsync("get", "svc", "-n", ns, "-o", "wide");
        Assert.Matches(@"SELECTOR", wide.Stdout.Split('\n')[0]);
        Assert.Contains("app=web", wide.Stdout);
        var jsonpath = await server.KubectlAsync("get", "svc", "web", "-n", ns, "-o", "jsonpath={.spec.type}");
        Assert.Equal("LoadBalancer", jsonpath.Stdout);
    }

    [Fact]
    public async Task Patch_label_annotate_and_delete()
    {
        var ns = await server.NewNamespaceAsync("edit");
        Ok(await server.KubectlInAsync(Svc(ns, "p"), "apply", "-f", "-"));
        var merge = await server.KubectlAsync("patch", "svc", "p", "-n", ns, "--type", "merge", "-p", """{"spec":{"externalTrafficPolicy":"Local"}}""");
        Ok(merge);
        Assert.Equal("service/p patched", merge.Stdout.Trim());
        var json = await server.KubectlAsync("patch", "svc", "p", "-n", ns, "--type", "json", "-p", """[{"op":"replace","path":"/spec/ports/0/port","value":81}]""");
        Ok(json);
        var noop = await server.KubectlAsync("patch", "svc", "p", "-n", ns, "--type", "merge", "-p", """{"spec":{"externalTrafficPolicy":"Local"}}""");
        Assert.Equal("service/p patched (no change)", noop.Stdout.Trim());
        Assert.Equal("service/p labeled", (await server.KubectlAsync("label", "svc", "p", "-n", ns, "tier=front")).Stdout.Trim());
        Assert.Equal("service/p annotated", (await server.KubectlAsync("annotate", "svc", "p", "-n", ns, "purelb.io/note=hello")).Stdout.Trim());
        var state = await server.KubectlAsync("get", "svc", "p", "-n", ns, "-o",
            "jsonpath={.spec.externalTrafficPolicy} {.spec.ports[0].port} {.metadata.labels.tier} {.metadata.annotations.purelb\\.io/note}");
        Assert.Equal("Local 81 front hello", state.Stdout);
        var relabel = await server.KubectlAsync("label", "svc", "p", "-n", ns, "tier=back");
        Assert.NotEqual(0, relabel.ExitCode);
        Assert.Contains("'tier' already has a value (front), and --overwrite is false", relabel.Stderr);
        Ok(await server.KubectlAsync("label", "svc", "p", "-n", ns, "tier-"));
        Assert.Equal("", (await server.KubectlAsync("get", "svc", "p", "-n", ns, "-o", "jsonpath={.metadata.labels.tier}")).Stdout);

        var del = await server.KubectlAsync("delete", "svc", "p", "-n", ns);
        Ok(del);
        Assert.Equal("service \"p\" deleted", del.Stdout.Trim());
        var gone = await server.KubectlAsync("get", "svc", "p", "-n", ns);
        Assert.Equal(1, gone.ExitCode);
        Assert.Equal("Error from server (NotFound): services \"p\" not found", gone.Stderr.Trim());
    }

    [Fact]
    public async Task Create_generators_send_protobuf_bodies_that_the_server_reads()
    {
        var ns = $"gen-{Guid.NewGuid().ToString("N")[..6]}";
        Assert.Equal($"namespace/{ns} created", (await server.KubectlAsync("create", "namespace", ns)).Stdout.Trim());
        Ok(await server.KubectlAsync("create", "configmap", "cm", "-n", ns, "--from-literal=a=b"));
        Ok(await server.KubectlAsync("create", "secret", "generic", "sec", "-n", ns, "--from-literal=pw=xyz"));
        Ok(await server.KubectlAsync("create", "service", "loadbalancer", "lb", "-n", ns, "--tcp=80:8080"));
        Assert.Equal("{\"a\":\"b\"}", (await server.KubectlAsync("get", "cm", "cm", "-n", ns, "-o", "jsonpath={.data}")).Stdout);
        Assert.Equal("eHl6", (await server.KubectlAsync("get", "secret", "sec", "-n", ns, "-o", "jsonpath={.data.pw}")).Stdout);
        var svc = await server.KubectlAsync("get", "svc", "lb", "-n", ns, "-o", "jsonpath={.spec.type} {.spec.ports[0].port} {.spec.ports[0].targetPort} {.spec.selector.app}");
        Assert.Equal("LoadBalancer 80 8080 lb", svc.Stdout);
    }

    [Fact]
    public async Task Get_and_describe_every_kind_we_serve()
    {
        var ns = await server.NewNamespaceAsync("kinds");
        var manifests = $"""
            apiVersion: v1
            kind: Node
            metadata:
              name: node-{ns}
              labels: {"{"}node-role.kubernetes.io/worker: ""{"}"}
            status:
              conditions:
              - {"{"}type: Ready, status: "True"{"}"}
              nodeInfo: {"{"}kubeletVersion: v1.32.0{"}"}
              addresses:
              - {"{"}type: InternalIP, address: 192.0.2.10{"}"}
            ---
            apiVersion: coordination.k8s.io/v1
            kind: Lease
            metadata: {"{"}name: lease-a, namespace: {ns}{"}"}
            spec: {"{"}holderIdentity: node-a, leaseDurationSeconds: 10{"}"}
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: web-abc
              namespace: {ns}
              labels: {"{"}kubernetes.io/service-name: web{"}"}
            addressType: IPv4
            ports:
            - {"{"}name: http, port: 8080, protocol: TCP{"}"}
            endpoints:
            - addresses: [10.0.0.5]
              nodeName: node-a
            ---
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {"{"}name: pool, namespace: {ns}{"}"}
            spec:
              local:
                v4pool: {"{"}subnet: 192.0.2.0/24, pool: 192.0.2.100-192.0.2.109, aggregation: default{"}"}
            ---
            apiVersion: purelb.io/v2
            kind: LBNodeAgent
            metadata: {"{"}name: agent, namespace: {ns}{"}"}
            spec:
              local: {"{"}localInterface: default, dummyInterface: kube-lb0{"}"}
            """;
        var applied = await server.KubectlInAsync(manifests + "\n---\n" + Svc(ns, "web"), "apply", "-f", "-");
        Ok(applied);
        Assert.Contains("servicegroup.purelb.io/pool created", applied.Stdout);
        Assert.Contains("lbnodeagent.purelb.io/agent created", applied.Stdout);
        // kubectl describe finds events by the involved object's uid too, so the event names it.
        var uid = (await server.KubectlAsync("get", "svc", "web", "-n", ns, "-o", "jsonpath={.metadata.uid}")).Stdout;
        var ev = $"""
            apiVersion: v1
            kind: Event
            metadata: {"{"}name: web.1, namespace: {ns}{"}"}
            involvedObject: {"{"}kind: Service, name: web, namespace: {ns}, uid: {uid}, apiVersion: v1{"}"}
            reason: AllocationFailed
            message: no pool has a free address
            type: Warning
            source: {"{"}component: purelb-allocator{"}"}
            count: 1
            """;
        Ok(await server.KubectlInAsync(ev, "create", "-f", "-"));

        var node = await server.KubectlAsync("get", "node", $"node-{ns}", "-o", "wide");
        Ok(node);
        Assert.Matches(@"^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION\s+INTERNAL-IP", node.Stdout.Split('\n')[0]);
        Assert.Matches($@"node-{ns}\s+Ready\s+worker\s+\d+s\s+v1\.32\.0\s+192\.0\.2\.10", node.Stdout);

        var lease = await server.KubectlAsync("get", "lease", "-n", ns);
        Assert.Matches(@"^NAME\s+HOLDER\s+AGE", lease.Stdout);
        Assert.Matches(@"lease-a\s+node-a\s+\d+s", lease.Stdout);

        var slices = await server.KubectlAsync("get", "endpointslices", "-n", ns);
        Assert.Matches(@"^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE", slices.Stdout);
        Assert.Matches(@"web-abc\s+IPv4\s+8080\s+10\.0\.0\.5\s+\d+s", slices.Stdout);

        var events = await server.KubectlAsync("get", "events", "-n", ns);
        Ok(events);
        Assert.Matches(@"Warning\s+AllocationFailed\s+service/web\s+no pool has a free address", events.Stdout);

        var sg = await server.KubectlAsync("get", "sg", "-n", ns);
        Ok(sg);
        Assert.Matches(@"^NAME\s+ANNOUNCE\s+IPAM\s+ALLOCATED-V4\s+ALLOCATED-V6\s+AGE", sg.Stdout);
        var sgWide = await server.KubectlAsync("get", "servicegroups", "-n", ns, "-o", "wide");
        Assert.Contains("AVAILABLE-V4", sgWide.Stdout.Split('\n')[0]);
        var lbna = await server.KubectlAsync("get", "lbna", "-n", ns);
        Assert.Matches(@"^NAME\s+LOCAL-INTERFACE\s+DUMMY-INTERFACE", lbna.Stdout);
        Assert.Matches(@"agent\s+default\s+kube-lb0", lbna.Stdout);

        var describeSvc = await server.KubectlAsync("describe", "svc", "web", "-n", ns);
        Ok(describeSvc);
        Assert.Matches(@"Type:\s+LoadBalancer", describeSvc.Stdout);
        Assert.Matches(@"Warning\s+AllocationFailed\s+.*no pool has a free address", describeSvc.Stdout);
        var describeNode = await server.KubectlAsync("describe", "node", $"node-{ns}");
        Ok(describeNode);
        Assert.Matches(@"Roles:\s+worker", describeNode.Stdout);
        var describeSg = await server.KubectlAsync("describe", "sg", "pool", "-n", ns);
        Ok(describeSg);
        Assert.Matches(@"Kind:\s+ServiceGroup", describeSg.Stdout);
        Assert.Matches(@"Pool:\s+192\.0\.2\.100-192\.0\.2\.109", describeSg.Stdout);
        foreach (var kind in new[] { "lease/lease-a", "endpointslice/web-abc", "lbnodeagent/agent" })
            Ok(await server.KubectlAsync("describe", kind, "-n", ns));
    }

    [Fact]
    public async Task Get_watch_prints_changes_made_by_another_process_within_a_second()
    {
        var ns = await server.NewNamespaceAsync("watch");
        Ok(await server.KubectlInAsync(Svc(ns, "first"), "apply", "-f", "-"));
        using var watch = server.StartKubectl("get", "svc", "-n", ns, "-w");
        Assert.NotNull(await watch.WaitForLineAsync(l => l.StartsWith("first ", StringComparison.Ordinal), TimeSpan.FromSeconds(15)));

        var created = await server.KubectlInAsync(Svc(ns, "second"), "apply", "-f", "-");
        var createdAt = DateTime.UtcNow;
        Ok(created);
        var seen = await watch.WaitForLineAsync(l => l.StartsWith("second ", StringComparison.Ordinal), TimeSpan.FromSeconds(5));
        Assert.True(seen != null, "kubectl get -w never printed the new Service:\n" + watch.Stdout + "\n" + watch.Stderr);
        Assert.True(seen!.Value.At - createdAt < TimeSpan.FromSeconds(1), $"printed {(seen.Value.At - createdAt).TotalMilliseconds} ms after the change");

        var lines = watch.Lines.Count;
        Ok(await server.KubectlAsync("patch", "svc", "first", "-n", ns, "--type", "merge", "-p", """{"spec":{"type":"NodePort"}}"""));
        var patchedAt = DateTime.UtcNow;
        var modified = await watch.WaitForLineAsync(l => l.StartsWith("first ", StringComparison.Ordinal) && l.Contains("NodePort"), TimeSpan.FromSeconds(5), lines);
        Assert.NotNull(modified);
        Assert.True(modified!.Value.At - patchedAt < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Create_and_apply_purelb_CRDs_and_samples_on_an_empty_server()
    {
        await using var fixture = new EmptyServer();
        await fixture.Server.InitializeAsync();
        var s = fixture.Server;
        var crds = Path.Combine(RealClientServer.DeployDir, "crds");
        var samples = Path.Combine(RealClientServer.DeployDir, "samples");
        var created = await s.KubectlAsync("create", "-f", crds);
        Ok(created);
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/servicegroups.purelb.io created", created.Stdout);
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/lbnodeagents.purelb.io created", created.Stdout);
        var again = await s.KubectlAsync("create", "-f", crds);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("Error from server (AlreadyExists): error when creating", again.Stderr);
        Assert.Contains("customresourcedefinitions.apiextensions.k8s.io \"servicegroups.purelb.io\" already exists", again.Stderr);
        var applyCrds = await s.KubectlAsync("apply", "-f", crds);
        Ok(applyCrds);
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/servicegroups.purelb.io configured", applyCrds.Stdout);

        var namespaces = string.Join("\n---\n", new[] { "purelb-system", "tenant-a" }.Select(n => $"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {n}"));
        Ok(await s.KubectlInAsync(namespaces, "apply", "-f", "-"));
        var apply1 = await s.KubectlAsync("apply", "-f", samples);
        Ok(apply1);
        Assert.Contains("servicegroup.purelb.io/default created", apply1.Stdout);
        Assert.Contains("lbnodeagent.purelb.io/default created", apply1.Stdout);
        Assert.Contains("service/web created", apply1.Stdout);
        var apply2 = await s.KubectlAsync("apply", "-f", samples);
        Ok(apply2);
        Assert.Contains("servicegroup.purelb.io/default unchanged", apply2.Stdout);
        Assert.DoesNotContain("configured", apply2.Stdout);

        var sgFile = Path.Combine(s.WorkDir, "servicegroups.yaml");
        var text = await File.ReadAllTextAsync(Path.Combine(samples, "servicegroups.yaml"));
        Assert.Contains("pool: 192.0.2.200-192.0.2.219", text);
        await File.WriteAllTextAsync(sgFile, text.Replace("pool: 192.0.2.200-192.0.2.219", "pool: 192.0.2.200-192.0.2.229"));
        var apply3 = await s.KubectlAsync("apply", "-f", sgFile);
        Ok(apply3);
        Assert.Contains("servicegroup.purelb.io/default configured", apply3.Stdout);
        Assert.Contains("servicegroup.purelb.io/routed unchanged", apply3.Stdout);
        var pool = await s.KubectlAsync("get", "sg", "default", "-n", "purelb-system", "-o", "jsonpath={.spec.local.v4pool.pool} {.metadata.generation}");
        Assert.Equal("192.0.2.200-192.0.2.229 2", pool.Stdout);
    }

    sealed class EmptyServer : IAsyncDisposable
    {
        public RealClientServerWithoutCrds Server { get; } = new();
        public async ValueTask DisposeAsync() => await Server.DisposeAsync();
    }

    [Fact]
    public async Task Errors_read_as_on_a_real_cluster()
    {
        var ns = await server.NewNamespaceAsync("errors");
        var missing = await server.KubectlAsync("get", "sg", "nope", "-n", ns);
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("Error from server (NotFound): servicegroups.purelb.io \"nope\" not found", missing.Stderr.Trim());

        Ok(await server.KubectlInAsync(Svc(ns, "dup"), "create", "-f", "-"));
        var dup = await server.KubectlInAsync(Svc(ns, "dup"), "create", "-f", "-");
        Assert.Equal(1, dup.ExitCode);
        Assert.Contains("Error from server (AlreadyExists): error when creating \"STDIN\": services \"dup\" already exists", dup.Stderr);

        var bad = $"""
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {"{"}name: bad, namespace: {ns}{"}"}
            spec:
              local:
                v4pool: {"{"}subnet: 192.0.2.0/24, aggregation: /200{"}"}
            """;
        var invalid = await server.KubectlInAsync(bad, "create", "-f", "-");
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("The ServiceGroup \"bad\" is invalid:", invalid.Stderr);
        Assert.Contains("spec.local.v4pool.pool: Required value", invalid.Stderr);
        Assert.Contains("spec.local.v4pool.aggregation: Invalid value: \"/200\"", invalid.Stderr);

        var both = await server.KubectlInAsync($$$"""
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: both, namespace: {{{ns}}}}
            spec:
              local: {v4pool: {subnet: 192.0.2.0/24, pool: 192.0.2.1-192.0.2.2}}
              remote: {v4pool: {subnet: 198.51.100.0/24, pool: 198.51.100.1-198.51.100.2}}
            """, "create", "-f", "-");
        Assert.Equal(1, both.ExitCode);
        Assert.Contains("The ServiceGroup \"both\" is invalid: spec: Invalid value: \"object\": exactly one of local, remote, external, or netbox must be specified", both.Stderr);

        var unknownField = await server.KubectlInAsync(bad.Replace("aggregation: /200", "pool: 192.0.2.1-192.0.2.2, colour: red"), "create", "-f", "-");
        Assert.Equal(1, unknownField.ExitCode);
        Assert.Contains("unknown field \"spec.local.v4pool.colour\"", unknownField.Stderr);

        var stale = await server.KubectlAsync("get", "svc", "dup", "-n", ns, "-o", "json");
        Ok(await server.KubectlAsync("label", "svc", "dup", "-n", ns, "changed=yes"));
        var conflict = await server.KubectlInAsync(stale.Stdout, "replace", "-f", "-");
        Assert.Equal(1, conflict.ExitCode);
        Assert.Contains("Error from server (Conflict): error when replacing \"STDIN\": Operation cannot be fulfilled on services \"dup\": the object has been modified; please apply your changes to the latest version and try again", conflict.Stderr);

        var rv = JsonNode.Parse(stale.Stdout)!["metadata"]!["resourceVersion"]!.ToString();
        await server.PostFaultAsync("compact");
        var gone = await server.KubectlAsync("get", "--raw", $"/api/v1/namespaces/{ns}/services?resourceVersion={rv}&resourceVersionMatch=Exact");
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("Error from server (Expired): The resourceVersion for the provided list is too old", gone.Stderr);
    }
}
