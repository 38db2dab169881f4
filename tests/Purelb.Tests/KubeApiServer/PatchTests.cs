using System.Net;
using System.Text.Json.Nodes;
using Xunit;
using static Purelb.Tests.KubeApiServer.TestServer;

namespace Purelb.Tests.KubeApiServer;

public class PatchTests
{
    [Fact]
    public async Task Merge_patch_sets_and_removes_fields()
    {
        await using var s = await StartAsync();
        await s.PostAsync(Services, Service("m", labels: new JsonObject { ["a"] = "1", ["b"] = "2" }));
        var r = await s.PatchAsync(Services + "/m", JsonNode.Parse("""{"metadata":{"labels":{"a":null,"c":"3"}},"spec":{"sessionAffinity":"ClientIP"}}""")!);
        Assert.Equal(HttpStatusCode.OK, r.Code);
        Assert.Null(r.Obj["metadata"]!["labels"]!["a"]);
        Assert.Equal("2", r.Str("metadata", "labels", "b"));
        Assert.Equal("3", r.Str("metadata", "labels", "c"));
        Assert.Equal("ClientIP", r.Str("spec", "sessionAffinity"));
        Assert.Equal(HttpStatusCode.NotFound, (await s.PatchAsync(Services + "/none", new JsonObject())).Code);
    }

    [Fact]
    public async Task Json_patch_applies_operations_and_a_failed_test_is_refused()
    {
        await using var s = await StartAsync();
        await s.PostAsync(Services, Service("j"));
        var r = await s.PatchAsync(Services + "/j", JsonNode.Parse("""
            [{"op":"add","path":"/metadata/labels/x~1y","value":"z"},
             {"op":"replace","path":"/spec/ports/0/port","value":81},
             {"op":"add","path":"/spec/ports/-","value":{"name":"b","port":90}},
             {"op":"test","path":"/spec/type","value":"ClusterIP"}]
            """)!, "application/json-patch+json");
        Assert.Equal(HttpStatusCode.OK, r.Code);
        Assert.Equal("z", r.Str("metadata", "labels", "x/y"));
        Assert.Equal(81, (int)r.Obj["spec"]!["ports"]![0]!["port"]!);
        Assert.Equal(2, r.Obj["spec"]!["ports"]!.AsArray().Count);
        var failed = await s.PatchAsync(Services + "/j", JsonNode.Parse("""[{"op":"test","path":"/spec/type","value":"NodePort"},{"op":"add","path":"/metadata/labels/n","value":"1"}]""")!, "application/json-patch+json");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, failed.Code);
        Assert.Null((await s.GetAsync(Services + "/j")).Obj["metadata"]!["labels"]!["n"]);
        var missing = await s.PatchAsync(Services + "/j", JsonNode.Parse("""[{"op":"remove","path":"/spec/nothing"}]""")!, "application/json-patch+json");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, missing.Code);
    }

    [Fact]
    public async Task Strategic_merge_patch_merges_ports_by_port_number()
    {
        await using var s = await StartAsync();
        var svc = Service("smp");
        svc["spec"]!["ports"] = JsonNode.Parse("""[{"name":"http","port":80},{"name":"https","port":443}]""");
        await s.PostAsync(Services, svc);
        // What kubectl apply sends when port 80 becomes 8080: $setElementOrder plus a delete directive.
        var r = await s.PatchAsync(Services + "/smp", JsonNode.Parse("""
            {"spec":{"$setElementOrder/ports":[{"port":8080},{"port":443}],
                     "ports":[{"name":"http","port":8080},{"$patch":"delete","port":80}]}}
            """)!, "application/strategic-merge-patch+json");
        Assert.Equal(HttpStatusCode.OK, r.Code);
        var ports = r.Obj["spec"]!["ports"]!.AsArray();
        Assert.Equal([8080, 443], ports.Select(p => (int)p!["port"]!).ToArray());
        Assert.Equal("https", (string)ports[1]!["name"]!);
    }

    [Fact]
    public async Task Patch_carrying_a_stale_resource_version_is_a_conflict()
    {
        await using var s = await StartAsync();
        var created = await s.PostAsync(Services, Service("p"));
        await s.PatchAsync(Services + "/p", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["a"] = "1" } } });
        var stale = await s.PatchAsync(Services + "/p", new JsonObject
        {
            ["metadata"] = new JsonObject { ["resourceVersion"] = created.ResourceVersion.ToString(), ["labels"] = new JsonObject { ["a"] = "2" } },
        });
        Assert.Equal(HttpStatusCode.Conflict, stale.Code);
        Assert.Equal("Conflict", stale.Str("reason"));
    }

    [Fact]
    public async Task Server_side_apply_is_refused_with_415()
    {
        await using var s = await StartAsync();
        await s.PostAsync(Services, Service("ssa"));
        var r = await s.PatchAsync(Services + "/ssa", Service("ssa"), "application/apply-patch+yaml");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, r.Code);
    }
}
