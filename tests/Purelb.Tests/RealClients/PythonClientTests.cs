using System.Text.Json.Nodes;
using Xunit;

namespace Purelb.Tests.RealClients;

/// <summary>The official Python client (Debian python3-kubernetes) against the standalone server.</summary>
public class PythonClientTests(RealClientServer server) : IClassFixture<RealClientServer>
{
    /// <summary>Common prologue: client set up from KUBECONFIG, helpers to print one JSON result per line.</summary>
    const string Prologue = """
        import json, os, sys, threading, time, urllib.request
        from kubernetes import client, config, watch
        from kubernetes.client.rest import ApiException
        config.load_kube_config(os.environ["KUBECONFIG"])
        v1 = client.CoreV1Api()
        ns = os.environ["NS"]
        def out(**kw):
            print(json.dumps(kw), flush=True)
        def svc(name, port=80):
            return client.V1Service(metadata=client.V1ObjectMeta(name=name),
                spec=client.V1ServiceSpec(type="LoadBalancer", ports=[client.V1ServicePort(name="http", port=port)]))
        def fault(what):
            urllib.request.urlopen(urllib.request.Request(os.environ["API_URL"] + "/_fault/" + what, method="POST")).read()

        """;

    async Task<List<JsonObject>> RunAsync(string ns, string body)
    {
        var r = await server.PythonAsync(Prologue + body, new Dictionary<string, string> { ["NS"] = ns });
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
    }

    [Fact]
    public async Task List_with_resource_version_and_exact_match()
    {
        var ns = await server.NewNamespaceAsync("py-list");
        var results = await RunAsync(ns, """
            a = v1.create_namespaced_service(ns, svc("a"))
            first = v1.list_namespaced_service(ns)
            v1.create_namespaced_service(ns, svc("b"))
            now = v1.list_namespaced_service(ns, resource_version=first.metadata.resource_version)
            then = v1.list_namespaced_service(ns, resource_version=first.metadata.resource_version, resource_version_match="Exact")
            out(first_rv=first.metadata.resource_version, created_rv=a.metadata.resource_version,
                now=[i.metadata.name for i in now.items], then=[i.metadata.name for i in then.items],
                then_rv=then.metadata.resource_version, ip=a.spec.cluster_ip, node_port=a.spec.ports[0].node_port)
            """);
        var r = results.Single();
        Assert.Equal((string)r["created_rv"]!, (string)r["first_rv"]!);
        Assert.Equal("[\"a\",\"b\"]", r["now"]!.ToJsonString());
        Assert.Equal("[\"a\"]", r["then"]!.ToJsonString());
        Assert.Equal((string)r["first_rv"]!, (string)r["then_rv"]!);
        Assert.StartsWith("10.96.", (string)r["ip"]!);
        Assert.InRange((int)r["node_port"]!, 30000, 32767);
    }

    [Fact]
    public async Task Watch_resumes_from_a_resource_version()
    {
        var ns = await server.NewNamespaceAsync("py-watch");
        var results = await RunAsync(ns, """
            start = v1.list_namespaced_service(ns).metadata.resource_version
            v1.create_namespaced_service(ns, svc("w1"))
            v1.patch_namespaced_service("w1", ns, {"metadata": {"labels": {"x": "1"}}})
            w = watch.Watch()
            seen = []
            last = start
            for ev in w.stream(v1.list_namespaced_service, ns, resource_version=start, timeout_seconds=5):
                seen.append(ev["type"] + " " + ev["object"].metadata.name)
                last = ev["object"].metadata.resource_version
                if len(seen) == 2:
                    w.stop()
            out(phase="first", seen=seen)
            v1.delete_namespaced_service("w1", ns)
            v1.create_namespaced_service(ns, svc("w2"))
            seen = []
            for ev in w.stream(v1.list_namespaced_service, ns, resource_version=last, timeout_seconds=5):
                seen.append(ev["type"] + " " + ev["object"].metadata.name)
                if len(seen) == 2:
                    w.stop()
            out(phase="resumed", seen=seen)
            """);
        Assert.Equal("[\"ADDED w1\",\"MODIFIED w1\"]", results[0]["seen"]!.ToJsonString());
        Assert.Equal("[\"DELETED w1\",\"ADDED w2\"]", results[1]["seen"]!.ToJsonString());
    }

    [Fact]
    public async Task Stale_resource_version_gets_410_and_a_relist_recovers()
    {
        var ns = await server.NewNamespaceAsync("py-gone");
        var results = await RunAsync(ns, """
            old = v1.list_namespaced_service(ns).metadata.resource_version
            v1.create_namespaced_service(ns, svc("g1"))
            fault("compact")
            try:
                for ev in watch.Watch().stream(v1.list_namespaced_service, ns, resource_version=old, timeout_seconds=5):
                    out(unexpected=ev["type"])
            except ApiException as e:
                out(phase="watch", status=e.status, reason=e.reason)
            try:
                v1.list_namespaced_service(ns, resource_version=old, resource_version_match="Exact")
            except ApiException as e:
                out(phase="list", status=e.status, reason=json.loads(e.body)["reason"])
            relist = v1.list_namespaced_service(ns)
            w = watch.Watch()
            def later():
                time.sleep(0.3)
                v1.create_namespaced_service(ns, svc("g2"))
            threading.Thread(target=later).start()
            for ev in w.stream(v1.list_namespaced_service, ns, resource_version=relist.metadata.resource_version, timeout_seconds=5):
                out(phase="rewatch", items=[i.metadata.name for i in relist.items], event=ev["type"] + " " + ev["object"].metadata.name)
                w.stop()
            """);
        Assert.Equal("watch", (string)results[0]["phase"]!);
        Assert.Equal(410, (int)results[0]["status"]!);
        Assert.StartsWith("Expired: too old resource version", (string)results[0]["reason"]!);
        Assert.Equal(410, (int)results[1]["status"]!);
        Assert.Equal("Expired", (string)results[1]["reason"]!);
        Assert.Equal("[\"g1\"]", results[2]["items"]!.ToJsonString());
        Assert.Equal("ADDED g2", (string)results[2]["event"]!);
    }

    [Fact]
    public async Task Update_with_a_stale_resource_version_gets_409()
    {
        var ns = await server.NewNamespaceAsync("py-conflict");
        var results = await RunAsync(ns, """
            v1.create_namespaced_service(ns, svc("c"))
            mine = v1.read_namespaced_service("c", ns)
            theirs = v1.read_namespaced_service("c", ns)
            theirs.metadata.labels = {"who": "them"}
            v1.replace_namespaced_service("c", ns, theirs)
            mine.metadata.labels = {"who": "me"}
            try:
                v1.replace_namespaced_service("c", ns, mine)
                out(result="replaced")
            except ApiException as e:
                body = json.loads(e.body)
                out(result="conflict", status=e.status, reason=body["reason"], message=body["message"], name=body["details"]["name"])
            out(label=v1.read_namespaced_service("c", ns).metadata.labels["who"])
            try:
                v1.read_namespaced_service("missing", ns)
            except ApiException as e:
                out(status=e.status, reason=json.loads(e.body)["reason"])
            try:
                v1.create_namespaced_service(ns, svc("c"))
            except ApiException as e:
                out(status=e.status, reason=json.loads(e.body)["reason"])
            try:
                client.CustomObjectsApi().create_namespaced_custom_object("purelb.io", "v2", ns, "servicegroups",
                    {"apiVersion": "purelb.io/v2", "kind": "ServiceGroup", "metadata": {"name": "bad"},
                     "spec": {"local": {"v4pool": {"subnet": "192.0.2.0/24", "pool": "192.0.2.1-192.0.2.9", "aggregation": "big"}}}})
            except ApiException as e:
                body = json.loads(e.body)
                out(status=e.status, reason=body["reason"], field=body["details"]["causes"][0]["field"])
            """);
        Assert.Equal("conflict", (string)results[0]["result"]!);
        Assert.Equal(409, (int)results[0]["status"]!);
        Assert.Equal("Conflict", (string)results[0]["reason"]!);
        Assert.Equal("c", (string)results[0]["name"]!);
        Assert.Contains("the object has been modified", (string)results[0]["message"]!);
        Assert.Equal("them", (string)results[1]["label"]!);
        Assert.Equal((404, "NotFound"), ((int)results[2]["status"]!, (string)results[2]["reason"]!));
        Assert.Equal((409, "AlreadyExists"), ((int)results[3]["status"]!, (string)results[3]["reason"]!));
        Assert.Equal((422, "Invalid"), ((int)results[4]["status"]!, (string)results[4]["reason"]!));
        Assert.Equal("spec.local.v4pool.aggregation", (string)results[4]["field"]!);
    }

    [Fact]
    public async Task Lease_create_and_update_through_the_coordination_API()
    {
        var ns = await server.NewNamespaceAsync("py-lease");
        var results = await RunAsync(ns, """
            import datetime
            co = client.CoordinationV1Api()
            now = datetime.datetime.now(datetime.timezone.utc)
            lease = client.V1Lease(metadata=client.V1ObjectMeta(name="node-a"),
                spec=client.V1LeaseSpec(holder_identity="node-a", lease_duration_seconds=15, acquire_time=now, renew_time=now))
            created = co.create_namespaced_lease(ns, lease)
            created.spec.renew_time = now + datetime.timedelta(seconds=5)
            created.spec.holder_identity = "node-b"
            updated = co.replace_namespaced_lease("node-a", ns, created)
            try:
                co.replace_namespaced_lease("node-a", ns, created)
                stale = "accepted"
            except ApiException as e:
                stale = e.status
            got = co.read_namespaced_lease("node-a", ns)
            out(holder=got.spec.holder_identity, duration=got.spec.lease_duration_seconds,
                renewed=(got.spec.renew_time - now).total_seconds(),
                rv_increased=int(updated.metadata.resource_version) > int(created.metadata.resource_version), stale=stale,
                names=[l.metadata.name for l in co.list_namespaced_lease(ns).items])
            """);
        var r = results.Single();
        Assert.Equal("node-b", (string)r["holder"]!);
        Assert.Equal(15, (int)r["duration"]!);
        Assert.InRange((double)r["renewed"]!, 4.9, 5.1);
        Assert.True((bool)r["rv_increased"]!);
        Assert.Equal(409, (int)r["stale"]!);
        Assert.Equal("[\"node-a\"]", r["names"]!.ToJsonString());
    }

    [Fact]
    public async Task Background_watch_prints_another_clients_change_within_a_second()
    {
        var ns = await server.NewNamespaceAsync("py-bg");
        var script = Prologue + """
            rv = v1.list_namespaced_service(ns).metadata.resource_version
            out(ready=True)
            for ev in watch.Watch().stream(v1.list_namespaced_service, ns, resource_version=rv, timeout_seconds=20):
                out(event=ev["type"], name=ev["object"].metadata.name)
            """;
        var env = server.Env;
        env["NS"] = ns;
        using var py = ClientProcess.Start(RealClientServer.Python, ["-c", script], env);
        Assert.NotNull(await py.WaitForLineAsync(l => l.Contains("\"ready\""), TimeSpan.FromSeconds(20)));
        await Task.Delay(200); // the watch request is sent right after "ready"
        var made = await server.KubectlInAsync($"apiVersion: v1\nkind: Service\nmetadata:\n  name: bg\n  namespace: {ns}\nspec:\n  ports:\n  - port: 80\n", "create", "-f", "-");
        var madeAt = DateTime.UtcNow;
        Assert.True(made.ExitCode == 0, made.ToString());
        var seen = await py.WaitForLineAsync(l => l.Contains("\"ADDED\"") && l.Contains("\"bg\""), TimeSpan.FromSeconds(5));
        Assert.True(seen != null, "python watch printed nothing:\n" + py.Stdout + "\n" + py.Stderr);
        Assert.True(seen!.Value.At - madeAt < TimeSpan.FromSeconds(1), $"printed {(seen.Value.At - madeAt).TotalMilliseconds} ms after the change");
    }
}
