using System.Net;
using System.Text.Json.Nodes;
using Xunit;
using static Purelb.Tests.KubeApiServer.TestServer;

namespace Purelb.Tests.KubeApiServer;

public class DiscoveryTests
{
    [Fact]
    public async Task Version_and_health_endpoints()
    {
        await using var s = await StartAsync();
        var v = await s.GetAsync("/version");
        Assert.Equal("1", v.Str("major"));
        Assert.StartsWith("v1.", v.Str("gitVersion"));
        foreach (var p in new[] { "/healthz", "/readyz", "/livez" })
        {
            var h = await s.GetAsync(p);
            Assert.Equal(HttpStatusCode.OK, h.Code);
            Assert.Equal("ok", h.Body!.ToString());
        }
    }

    [Fact]
    public async Task Core_discovery_lists_resources_with_short_names_and_status_subresources()
    {
        await using var s = await StartAsync();
        var api = await s.GetAsync("/api");
        Assert.Equal("APIVersions", api.Str("kind"));
        Assert.Equal("v1", api.Obj["versions"]![0]!.ToString());
        var v1 = await s.GetAsync("/api/v1");
        var resources = v1.Obj["resources"]!.AsArray().OfType<JsonObject>().ToDictionary(r => (string)r["name"]!);
        Assert.Equal("svc", (string)resources["services"]["shortNames"]![0]!);
        Assert.True((bool)resources["services"]["namespaced"]!);
        Assert.False((bool)resources["nodes"]["namespaced"]!);
        Assert.Contains("services/status", resources.Keys);
        Assert.Contains("watch", resources["services"]["verbs"]!.AsArray().Select(x => (string)x!));
        Assert.DoesNotContain("endpoints", resources.Keys);
    }

    [Fact]
    public async Task Group_discovery_includes_builtin_groups_and_crd_groups()
    {
        await using var s = await StartAsync();
        var apis = await s.GetAsync("/apis");
        var groups = apis.Obj["groups"]!.AsArray().Select(g => (string)g!["name"]!).ToList();
        foreach (var g in new[] { "discovery.k8s.io", "coordination.k8s.io", "events.k8s.io", "apiextensions.k8s.io", "example.com" })
            Assert.Contains(g, groups);
        var group = await s.GetAsync("/apis/example.com");
        Assert.Equal("example.com/v1", group.Str("preferredVersion", "groupVersion"));
        var rl = await s.GetAsync("/apis/example.com/v1");
        var widgets = rl.Obj["resources"]!.AsArray().OfType<JsonObject>().Single(r => (string)r["name"]! == "widgets");
        Assert.Equal("wdg", (string)widgets["shortNames"]![0]!);
        Assert.Equal("gadgets", (string)widgets["categories"]![0]!);
        Assert.Equal("Widget", (string)widgets["kind"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await s.GetAsync("/apis/nothing.io/v1")).Code);
    }

    [Fact]
    public async Task OpenApi_v3_describes_patch_with_fieldValidation_for_every_kind()
    {
        await using var s = await StartAsync();
        var root = await s.GetAsync("/openapi/v3");
        var url = root.Obj["paths"]!["apis/example.com/v1"]!["serverRelativeURL"]!.ToString();
        Assert.StartsWith("/openapi/v3/apis/example.com/v1?hash=", url);
        var doc = await s.GetAsync(url);
        var patch = doc.Obj["paths"]!["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]!["patch"]!;
        Assert.Equal("Widget", (string)patch["x-kubernetes-group-version-kind"]!["kind"]!);
        Assert.Contains(patch["parameters"]!.AsArray(), p => (string)p!["name"]! == "fieldValidation");
        Assert.NotNull(doc.Obj["components"]!["schemas"]!["com.example.v1.Widget"]);
        var core = await s.GetAsync(root.Obj["paths"]!["api/v1"]!["serverRelativeURL"]!.ToString());
        Assert.NotNull(core.Obj["paths"]!["/api/v1/nodes/{name}/status"]);
    }
}
