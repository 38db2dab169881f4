using System.Net;
using System.Text.Json.Nodes;
using Xunit;
using static Purelb.Tests.KubeApiServer.TestServer;

namespace Purelb.Tests.KubeApiServer;

public class CrudTests
{
    [Fact]
    public async Task Create_assigns_uid_timestamp_and_a_global_increasing_resource_version()
    {
        await using var s = await StartAsync();
        var svc = await s.PostAsync(Services, Service("a"));
        Assert.Equal(HttpStatusCode.Created, svc.Code);
        Assert.True(Guid.TryParse(svc.Str("metadata", "uid"), out _));
        Assert.True(DateTimeOffset.TryParse(svc.Str("metadata", "creationTimestamp"), out _));
        var lease = await s.PostAsync("/apis/coordination.k8s.io/v1/namespaces/default/leases",
            new JsonObject { ["metadata"] = new JsonObject { ["name"] = "l1" }, ["spec"] = new JsonObject { ["holderIdentity"] = "n1" } });
        Assert.Equal(HttpStatusCode.Created, lease.Code);
        var node = await s.PostAsync("/api/v1/nodes", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "n1" } });
        Assert.True(lease.ResourceVersion > svc.ResourceVersion);
        Assert.True(node.ResourceVersion > lease.ResourceVersion);
        var got = await s.GetAsync(Services + "/a");
        Assert.Equal(svc.ResourceVersion, got.ResourceVersion);
        Assert.Equal("Service", got.Str("kind"));
        Assert.Equal("v1", got.Str("apiVersion"));
    }

    [Fact]
    public async Task Service_defaults_cluster_ip_node_ports_and_policies_and_keeps_them_on_update()
    {
        await using var s = await StartAsync();
        var svc = (await s.PostAsync(Services, Service("lb", "LoadBalancer"))).Obj;
        var spec = svc["spec"]!;
        Assert.StartsWith("10.96.", (string)spec["clusterIP"]!);
        Assert.Equal("TCP", (string)spec["ports"]![0]!["protocol"]!);
        Assert.Equal(80, (int)spec["ports"]![0]!["targetPort"]!);
        var nodePort = (int)spec["ports"]![0]!["nodePort"]!;
        Assert.InRange(nodePort, 30000, 32767);
        Assert.Equal("Cluster", (string)spec["externalTrafficPolicy"]!);
        Assert.NotNull(svc["status"]!["loadBalancer"]);
        var update = Service("lb", "LoadBalancer");
        update["metadata"]!["resourceVersion"] = svc["metadata"]!["resourceVersion"]!.ToString();
        var put = (await s.PutAsync(Services + "/lb", update)).Obj;
        Assert.Equal((string)spec["clusterIP"]!, (string)put["spec"]!["clusterIP"]!);
        Assert.Equal(nodePort, (int)put["spec"]!["ports"]![0]!["nodePort"]!);
    }

    [Fact]
    public async Task GenerateName_gets_a_random_suffix()
    {
        await using var s = await StartAsync();
        var body = Service("x");
        body["metadata"]!.AsObject().Remove("name");
        body["metadata"]!["generateName"] = "web-";
        var a = await s.PostAsync(Services, body);
        var b = await s.PostAsync(Services, body);
        Assert.Matches("^web-[a-z0-9]{5}$", a.Str("metadata", "name")!);
        Assert.NotEqual(a.Str("metadata", "name"), b.Str("metadata", "name"));
    }

    [Fact]
    public async Task Errors_are_Status_objects_with_reason_code_and_details()
    {
        await using var s = await StartAsync();
        var missing = await s.GetAsync(Services + "/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.Code);
        Assert.Equal("Status", missing.Str("kind"));
        Assert.Equal("Failure", missing.Str("status"));
        Assert.Equal("NotFound", missing.Str("reason"));
        Assert.Equal("404", missing.Str("code"));
        Assert.Equal("services \"nope\" not found", missing.Str("message"));
        Assert.Equal("nope", missing.Str("details", "name"));
        Assert.Equal("services", missing.Str("details", "kind"));

        await s.PostAsync(Services, Service("dup"));
        var dup = await s.PostAsync(Services, Service("dup"));
        Assert.Equal(HttpStatusCode.Conflict, dup.Code);
        Assert.Equal("AlreadyExists", dup.Str("reason"));
        Assert.Equal("services \"dup\" already exists", dup.Str("message"));

        var badName = await s.PostAsync(Services, Service("Bad_Name"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badName.Code);
        Assert.Equal("Invalid", badName.Str("reason"));
        Assert.Equal("metadata.name", badName.Obj["details"]!["causes"]![0]!["field"]!.ToString());

        var noPorts = Service("noports");
        noPorts["spec"]!.AsObject().Remove("ports");
        var invalid = await s.PostAsync(Services, noPorts);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, invalid.Code);
        Assert.Equal("Service \"noports\" is invalid: spec.ports: Required value", invalid.Str("message"));

        var garbage = await s.SendAsync(HttpMethod.Post, Services, JsonValue.Create("x"), "application/json");
        Assert.Equal(HttpStatusCode.BadRequest, garbage.Code);
        Assert.Equal("BadRequest", garbage.Str("reason"));

        var unknown = await s.GetAsync("/apis/nothing.io/v1/things");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Code);
        Assert.Equal("NotFound", unknown.Str("reason"));
    }

    [Fact]
    public async Task Namespaced_objects_need_their_namespace_and_cluster_objects_have_none()
    {
        await using var s = await StartAsync();
        var orphan = await s.PostAsync("/api/v1/namespaces/ghost/services", Service("a"));
        Assert.Equal(HttpStatusCode.NotFound, orphan.Code);
        Assert.Equal("namespaces \"ghost\" not found", orphan.Str("message"));
        await s.PostAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "ghost" } });
        Assert.Equal(HttpStatusCode.Created, (await s.PostAsync("/api/v1/namespaces/ghost/services", Service("a"))).Code);
        var ns = await s.GetAsync("/api/v1/namespaces/ghost");
        Assert.Equal("Active", ns.Str("status", "phase"));

        var node = await s.PostAsync("/api/v1/nodes", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "n1", ["namespace"] = "x" } });
        Assert.Null(node.Obj["metadata"]!["namespace"]);
        Assert.Equal(HttpStatusCode.NotFound, (await s.GetAsync("/api/v1/namespaces/default/nodes/n1")).Code);
        Assert.Equal(HttpStatusCode.OK, (await s.GetAsync("/api/v1/nodes/n1")).Code);

        var mismatch = await s.PostAsync(Services, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "m", ["namespace"] = "ghost" }, ["spec"] = Service("m")["spec"]!.DeepClone() });
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.Code);

        // Deleting a namespace takes its objects along.
        Assert.Equal(HttpStatusCode.OK, (await s.DeleteAsync("/api/v1/namespaces/ghost")).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await s.GetAsync("/api/v1/namespaces/ghost/services/a")).Code);
    }

    [Fact]
    public async Task Put_with_a_stale_resource_version_is_a_409_Conflict()
    {
        await using var s = await StartAsync();
        var created = (await s.PostAsync(Services, Service("c"))).Obj;
        var first = (JsonObject)created.DeepClone();
        first["metadata"]!["labels"] = new JsonObject { ["v"] = "1" };
        var ok = await s.PutAsync(Services + "/c", first);
        Assert.Equal(HttpStatusCode.OK, ok.Code);
        Assert.True(ok.ResourceVersion > long.Parse((string)created["metadata"]!["resourceVersion"]!));

        var stale = (JsonObject)created.DeepClone();
        stale["metadata"]!["labels"] = new JsonObject { ["v"] = "2" };
        var conflict = await s.PutAsync(Services + "/c", stale);
        Assert.Equal(HttpStatusCode.Conflict, conflict.Code);
        Assert.Equal("Conflict", conflict.Str("reason"));
        Assert.Contains("the object has been modified", conflict.Str("message"));
        Assert.Equal("1", (await s.GetAsync(Services + "/c")).Str("metadata", "labels", "v"));

        var wrongName = (JsonObject)ok.Obj.DeepClone();
        wrongName["metadata"]!["name"] = "other";
        Assert.Equal(HttpStatusCode.BadRequest, (await s.PutAsync(Services + "/c", wrongName)).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await s.PutAsync(Services + "/none", Service("none"))).Code);
    }

    [Fact]
    public async Task Unchanged_put_keeps_the_resource_version()
    {
        await using var s = await StartAsync();
        var created = await s.PostAsync(Services, Service("same"));
        var again = await s.PutAsync(Services + "/same", created.Obj);
        Assert.Equal(created.ResourceVersion, again.ResourceVersion);
    }

    [Fact]
    public async Task Status_subresource_changes_status_and_metadata_not_spec_and_main_put_ignores_status()
    {
        await using var s = await StartAsync();
        var created = (await s.PostAsync(Services, Service("st", "LoadBalancer"))).Obj;
        var withStatus = (JsonObject)created.DeepClone();
        withStatus["status"] = new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = "192.0.2.1" }) } };
        // A Service's status strategy resets only the spec (kube-apiserver's serviceStatusStrategy): labels and
        // annotations sent to /status are stored; system fields and the spec are not.
        withStatus["metadata"]!["labels"] = new JsonObject { ["via-status"] = "yes" };
        withStatus["spec"]!["type"] = "NodePort";
        // A uid in the body is a precondition, on /status as on the object.
        var otherUid = (JsonObject)withStatus.DeepClone();
        otherUid["metadata"]!["uid"] = "not-the-uid";
        var refused = await s.PutAsync(Services + "/st/status", otherUid);
        Assert.Equal(HttpStatusCode.Conflict, refused.Code);
        Assert.Contains("UID in precondition: not-the-uid", refused.Str("message"));
        var st = await s.PutAsync(Services + "/st/status", withStatus);
        Assert.Equal(HttpStatusCode.OK, st.Code);
        Assert.Equal("192.0.2.1", st.Obj["status"]!["loadBalancer"]!["ingress"]![0]!["ip"]!.ToString());
        Assert.Equal("yes", st.Str("metadata", "labels", "via-status"));
        Assert.Equal(created["metadata"]!["uid"]!.ToString(), st.Str("metadata", "uid"));
        Assert.Equal("LoadBalancer", st.Str("spec", "type"));

        var main = (JsonObject)st.Obj.DeepClone();
        main["status"] = new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = "198.51.100.9" }) } };
        main["metadata"]!["labels"] = new JsonObject { ["kept"] = "yes" };
        var put = await s.PutAsync(Services + "/st", main);
        Assert.Equal("192.0.2.1", put.Obj["status"]!["loadBalancer"]!["ingress"]![0]!["ip"]!.ToString());
        Assert.Equal("yes", put.Str("metadata", "labels", "kept"));

        var patched = await s.PatchAsync(Services + "/st/status",
            new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["a"] = "x" } }, ["status"] = new JsonObject { ["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = "203.0.113.5" }) } } });
        Assert.Equal("203.0.113.5", patched.Obj["status"]!["loadBalancer"]!["ingress"]![0]!["ip"]!.ToString());
        Assert.Equal("x", patched.Str("metadata", "annotations", "a"));
        Assert.Equal("yes", patched.Str("metadata", "labels", "kept"));

        // Created objects never carry the status the client sent.
        var sent = Service("fresh", "LoadBalancer");
        sent["status"] = withStatus["status"]!.DeepClone();
        var fresh = await s.PostAsync(Services, sent);
        Assert.Null(fresh.Obj["status"]!["loadBalancer"]!["ingress"]);
    }

    [Fact]
    public async Task Delete_answers_Success_and_finalizers_hold_the_object_until_cleared()
    {
        await using var s = await StartAsync();
        await s.PostAsync(Services, Service("d"));
        var del = await s.DeleteAsync(Services + "/d");
        Assert.Equal(HttpStatusCode.OK, del.Code);
        Assert.Equal("Success", del.Str("status"));
        Assert.Equal(HttpStatusCode.NotFound, (await s.GetAsync(Services + "/d")).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await s.DeleteAsync(Services + "/d")).Code);

        var held = Service("held");
        held["metadata"]!["finalizers"] = new JsonArray("example.com/hold");
        await s.PostAsync(Services, held);
        var marked = await s.DeleteAsync(Services + "/held");
        Assert.NotNull(marked.Str("metadata", "deletionTimestamp"));
        var still = await s.GetAsync(Services + "/held");
        Assert.Equal(HttpStatusCode.OK, still.Code);
        var cleared = await s.PatchAsync(Services + "/held", new JsonObject { ["metadata"] = new JsonObject { ["finalizers"] = null } });
        Assert.Equal(HttpStatusCode.OK, cleared.Code);
        Assert.Equal(HttpStatusCode.NotFound, (await s.GetAsync(Services + "/held")).Code);

        await s.PostAsync(Services, Service("pre"));
        var wrongUid = await s.DeleteAsync(Services + "/pre", new JsonObject { ["preconditions"] = new JsonObject { ["uid"] = "not-it" } });
        Assert.Equal(HttpStatusCode.Conflict, wrongUid.Code);
    }

    [Fact]
    public async Task Delete_collection_by_label_selector()
    {
        await using var s = await StartAsync();
        await s.PostAsync(Services, Service("k1", labels: new JsonObject { ["app"] = "x" }));
        await s.PostAsync(Services, Service("k2", labels: new JsonObject { ["app"] = "y" }));
        Assert.Equal(HttpStatusCode.OK, (await s.DeleteAsync(Services + "?labelSelector=app%3Dx")).Code);
        var list = await s.GetAsync(Services);
        Assert.Equal(["k2"], list.Obj["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!).ToArray());
    }

    [Fact]
    public async Task Secrets_fold_stringData_into_base64_data()
    {
        await using var s = await StartAsync();
        var secret = await s.PostAsync("/api/v1/namespaces/default/secrets", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "sec" },
            ["stringData"] = new JsonObject { ["token"] = "hunter2" },
        });
        Assert.Equal("aHVudGVyMg==", secret.Str("data", "token"));
        Assert.Equal("Opaque", secret.Str("type"));
        Assert.Null(secret.Obj["stringData"]);
    }

    [Fact]
    public async Task Events_written_through_either_API_are_read_through_both()
    {
        await using var s = await StartAsync();
        var v1 = await s.PostAsync("/apis/events.k8s.io/v1/namespaces/default/events", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "e1" },
            ["eventTime"] = "2026-01-01T00:00:00.000000Z",
            ["reportingController"] = "purelb.io/allocator",
            ["reportingInstance"] = "allocator-0",
            ["action"] = "Allocate",
            ["reason"] = "AllocationFailed",
            ["type"] = "Warning",
            ["note"] = "pool exhausted",
            ["regarding"] = new JsonObject { ["kind"] = "Service", ["name"] = "web", ["namespace"] = "default" },
        });
        Assert.Equal(HttpStatusCode.Created, v1.Code);
        Assert.Equal("pool exhausted", v1.Str("note"));
        var core = await s.GetAsync("/api/v1/namespaces/default/events/e1");
        Assert.Equal("pool exhausted", core.Str("message"));
        Assert.Equal("web", core.Str("involvedObject", "name"));
        Assert.Equal("purelb.io/allocator", core.Str("reportingComponent"));

        var byField = await s.GetAsync("/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dweb,reason%3DAllocationFailed");
        Assert.Single(byField.Obj["items"]!.AsArray());

        var incomplete = await s.PostAsync("/apis/events.k8s.io/v1/namespaces/default/events",
            new JsonObject { ["metadata"] = new JsonObject { ["name"] = "e2" }, ["note"] = "x" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, incomplete.Code);
    }

    [Fact]
    public async Task Lease_create_and_update_through_coordination_API()
    {
        await using var s = await StartAsync();
        const string leases = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases";
        var created = await s.PostAsync(leases, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "node-a" },
            ["spec"] = new JsonObject { ["holderIdentity"] = "node-a", ["leaseDurationSeconds"] = 10, ["renewTime"] = "2026-01-01T00:00:00.000000Z" },
        });
        Assert.Equal(HttpStatusCode.Created, created.Code);
        var renewed = (JsonObject)created.Obj.DeepClone();
        renewed["spec"]!["renewTime"] = "2026-01-01T00:00:05.000000Z";
        var put = await s.PutAsync(leases + "/node-a", renewed);
        Assert.Equal(HttpStatusCode.OK, put.Code);
        Assert.Equal("2026-01-01T00:00:05.000000Z", put.Str("spec", "renewTime"));
        Assert.Equal(HttpStatusCode.Conflict, (await s.PutAsync(leases + "/node-a", renewed)).Code);
    }

    [Fact]
    public async Task Dry_run_validates_but_stores_nothing()
    {
        await using var s = await StartAsync();
        var dry = await s.PostAsync(Services + "?dryRun=All", Service("dry"));
        Assert.Equal(HttpStatusCode.Created, dry.Code);
        Assert.Equal(HttpStatusCode.NotFound, (await s.GetAsync(Services + "/dry")).Code);
    }
}
