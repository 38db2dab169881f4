using System.Net;
using System.Text.Json.Nodes;
using Xunit;
using static Purelb.Tests.KubeApiServer.TestServer;

namespace Purelb.Tests.KubeApiServer;

public class CustomResourceTests
{
    [Fact]
    public async Task Schema_defaults_are_applied_and_unknown_fields_pruned()
    {
        await using var s = await StartAsync();
        var w = Widget("w", extraSpec: new JsonObject { ["bogus"] = 1, ["extra"] = new JsonObject { ["anything"] = "kept" } });
        w["status"] = new JsonObject { ["observedGeneration"] = 5 };
        var r = await s.PostAsync(Widgets, w);
        Assert.Equal(HttpStatusCode.Created, r.Code);
        Assert.Equal("10", r.Str("spec", "size"));
        Assert.Null(r.Obj["spec"]!["bogus"]);
        Assert.Equal("kept", r.Str("spec", "extra", "anything"));
        Assert.Null(r.Obj["status"]);
        Assert.Equal("1", r.Str("metadata", "generation"));
        Assert.Contains(r.Raw.Headers.GetValues("Warning"), h => h.Contains("unknown field \\\"spec.bogus\\\""));

        var strict = await s.PostAsync(Widgets + "?fieldValidation=Strict", Widget("strict", extraSpec: new JsonObject { ["bogus"] = 1 }));
        Assert.Equal(HttpStatusCode.BadRequest, strict.Code);
        Assert.Equal("Widget in version \"v1\" cannot be handled as a Widget: strict decoding error: unknown field \"spec.bogus\"", strict.Str("message"));
    }

    [Fact]
    public async Task Schema_violations_are_422_Invalid_with_one_cause_per_field()
    {
        await using var s = await StartAsync();
        var bad = Widget("bad", "pink", new JsonObject
        {
            ["size"] = 0, ["code"] = "abc", ["address"] = "300.1.1.1", ["tags"] = new JsonArray("a", "b", "c", "d"),
        });
        var r = await s.PostAsync(Widgets, bad);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.Code);
        Assert.Equal("Invalid", r.Str("reason"));
        Assert.Equal("Widget", r.Str("details", "kind"));
        Assert.Equal("example.com", r.Str("details", "group"));
        var causes = r.Obj["details"]!["causes"]!.AsArray().Select(c => ((string)c!["field"]!, (string)c["reason"]!)).ToList();
        Assert.Contains(("spec.color", "FieldValueNotSupported"), causes);
        Assert.Contains(("spec.size", "FieldValueInvalid"), causes);
        Assert.Contains(("spec.code", "FieldValueInvalid"), causes);
        Assert.Contains(("spec.address", "FieldValueInvalid"), causes);
        Assert.Contains(("spec.tags", "FieldValueTooMany"), causes);
        Assert.StartsWith("Widget.example.com \"bad\" is invalid: [", r.Str("message"));
        Assert.Contains("spec.code in body should match '^[A-Z]{3}-[0-9]+$'", r.Str("message"));

        var noSpec = new JsonObject { ["apiVersion"] = "example.com/v1", ["kind"] = "Widget", ["metadata"] = new JsonObject { ["name"] = "nospec" } };
        var missing = await s.PostAsync(Widgets, noSpec);
        Assert.Equal("Widget.example.com \"nospec\" is invalid: spec: Required value", missing.Str("message"));

        var wrongType = await s.PostAsync(Widgets, Widget("typed", extraSpec: new JsonObject { ["size"] = "big" }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrongType.Code);
        Assert.Contains("spec.size in body must be of type integer: \"string\"", wrongType.Str("message"));
    }

    [Fact]
    public async Task Validation_rules_in_CEL_are_enforced()
    {
        await using var s = await StartAsync();
        var r = await s.PostAsync(Widgets, Widget("cel", extraSpec: new JsonObject { ["code"] = "ABC-1", ["size"] = 3 }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.Code);
        Assert.Equal("Widget.example.com \"cel\" is invalid: spec: Invalid value: \"object\": a coded widget must be bigger than 5", r.Str("message"));
        Assert.Equal(HttpStatusCode.Created, (await s.PostAsync(Widgets, Widget("cel", extraSpec: new JsonObject { ["code"] = "ABC-1", ["size"] = 6 }))).Code);
    }

    [Theory]
    [InlineData("[has(self.a), has(self.b), has(self.c)].filter(x, x).size() == 1", """{"a":1}""", true)]
    [InlineData("[has(self.a), has(self.b), has(self.c)].filter(x, x).size() == 1", """{"a":1,"b":2}""", false)]
    [InlineData("!has(self.e) || !self.e || (has(self.n) && size(self.n) > 0)", """{"e":true,"n":[]}""", false)]
    [InlineData("!has(self.e) || !self.e || (has(self.n) && size(self.n) > 0)", """{"e":true,"n":["x"]}""", true)]
    [InlineData("self.g == 'default' || !self.g.matches('^/[0-9]+$') || int(self.g.substring(1)) <= 32", """{"g":"/24"}""", true)]
    [InlineData("self.g == 'default' || !self.g.matches('^/[0-9]+$') || int(self.g.substring(1)) <= 32", """{"g":"/64"}""", false)]
    [InlineData("self.items.all(i, i.port > 0 && i.port < 65536) && 'x' in self.tags", """{"items":[{"port":1}],"tags":["x"]}""", true)]
    [InlineData("self.a * 2 + 1 == 7 ? self.s.startsWith('ab') : false", """{"a":3,"s":"abc"}""", true)]
    public void Cel_subset_evaluates_the_rule_shapes_CRDs_use(string rule, string self, bool holds)
    {
        Assert.Equal(holds, global::KubeApiServer.Cel.Holds(rule, JsonNode.Parse(self)));
    }

    [Fact]
    public async Task Generation_follows_spec_changes_only_and_status_goes_through_the_subresource()
    {
        await using var s = await StartAsync();
        var w = (await s.PostAsync(Widgets, Widget("g"))).Obj;
        var spec = (JsonObject)w.DeepClone();
        spec["spec"]!["color"] = "blue";
        spec["status"] = new JsonObject { ["observedGeneration"] = 99 };
        var afterSpec = (await s.PutAsync(Widgets + "/g", spec)).Obj;
        Assert.Equal("2", afterSpec["metadata"]!["generation"]!.ToString());
        Assert.Null(afterSpec["status"]);

        var labels = await s.PatchAsync(Widgets + "/g", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["a"] = "b" } } });
        Assert.Equal("2", labels.Str("metadata", "generation"));

        var st = await s.PatchAsync(Widgets + "/g/status", JsonNode.Parse("""{"status":{"observedGeneration":2,"conditions":[{"type":"Ready","status":"True"}]},"spec":{"color":"green"},"metadata":{"labels":{"via-status":"x"}}}""")!);
        Assert.Equal(HttpStatusCode.OK, st.Code);
        Assert.Equal("2", st.Str("metadata", "generation"));
        Assert.Equal("blue", st.Str("spec", "color"));
        // Unlike the built-in types, a custom resource's status write leaves metadata alone.
        Assert.Null(st.Obj["metadata"]!["labels"]?["via-status"]);
        Assert.Equal("b", st.Str("metadata", "labels", "a"));
        Assert.Equal("True", st.Obj["status"]!["conditions"]![0]!["status"]!.ToString());

        var badStatus = await s.PatchAsync(Widgets + "/g/status", JsonNode.Parse("""{"status":{"conditions":[{"type":"Ready","status":"Maybe"}]}}""")!);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badStatus.Code);
    }

    [Fact]
    public async Task Custom_resource_put_needs_a_resource_version()
    {
        await using var s = await StartAsync();
        var w = (await s.PostAsync(Widgets, Widget("rv"))).Obj;
        var without = (JsonObject)w.DeepClone();
        without["metadata"]!.AsObject().Remove("resourceVersion");
        var r = await s.PutAsync(Widgets + "/rv", without);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, r.Code);
        Assert.Contains("metadata.resourceVersion", r.Str("message"));
    }

    [Fact]
    public async Task Cluster_scoped_custom_resources_without_status_subresource()
    {
        await using var s = await StartAsync();
        var g = await s.PostAsync("/apis/example.com/v1/gizmos", new JsonObject
        {
            ["apiVersion"] = "example.com/v1", ["kind"] = "Gizmo", ["metadata"] = new JsonObject { ["name"] = "gz" },
            ["spec"] = new JsonObject { ["free"] = "form" }, ["status"] = new JsonObject { ["kept"] = true },
        });
        Assert.Equal(HttpStatusCode.Created, g.Code);
        Assert.Equal("true", g.Str("status", "kept"));
        Assert.Equal(HttpStatusCode.NotFound, (await s.GetAsync("/apis/example.com/v1/gizmos/gz/status")).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await s.GetAsync("/apis/example.com/v1/namespaces/default/gizmos/gz")).Code);
        var del = await s.DeleteAsync("/apis/example.com/v1/gizmos/gz");
        Assert.Equal("Gizmo", del.Str("kind"));
    }

    [Fact]
    public async Task Crd_posted_through_the_API_is_served_and_its_deletion_removes_instances()
    {
        await using var s = await StartAsync(o => o.CrdDirectory = null);
        Assert.Equal(HttpStatusCode.NotFound, (await s.GetAsync(Widgets)).Code);
        var crd = global::KubeApiServer.Yaml.ParseDocuments(File.ReadAllText(Path.Combine(TestCrdDirectory, "widgets.example.com.yaml")))[0];
        var created = await s.PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        Assert.Equal(HttpStatusCode.Created, created.Code);
        var conditions = created.Obj["status"]!["conditions"]!.AsArray().Select(c => $"{c!["type"]}={c["status"]}").ToList();
        Assert.Contains("Established=True", conditions);
        Assert.Equal(HttpStatusCode.Created, (await s.PostAsync(Widgets, Widget("w"))).Code);
        var rl = await s.GetAsync("/apis/example.com/v1");
        Assert.Contains(rl.Obj["resources"]!.AsArray(), r => (string)r!["name"]! == "widgets");

        var badCrd = (JsonObject)crd.DeepClone();
        badCrd["metadata"]!["name"] = "wrong.example.com";
        var bad = await s.PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", badCrd);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.Code);

        Assert.Equal(HttpStatusCode.OK, (await s.DeleteAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com")).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await s.GetAsync(Widgets)).Code);
        await s.PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        Assert.Empty((await s.GetAsync(Widgets)).Obj["items"]!.AsArray());
    }

    [Fact]
    public async Task Tables_use_the_printer_columns()
    {
        await using var s = await StartAsync();
        var w = Widget("t", "green", new JsonObject { ["size"] = 7, ["address"] = "10.1.2.3" });
        await s.PostAsync(Widgets, w);
        await s.PatchAsync(Widgets + "/t/status", JsonNode.Parse("""{"status":{"conditions":[{"type":"Ready","status":"True"}]}}""")!);
        const string accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
        var table = await s.GetAsync(Widgets, accept);
        Assert.Equal("Table", table.Str("kind"));
        var cols = table.Obj["columnDefinitions"]!.AsArray().Select(c => (string)c!["name"]!).ToArray();
        Assert.Equal(["Name", "Color", "Size", "Ready", "Address", "Age"], cols);
        Assert.Equal(1, (int)table.Obj["columnDefinitions"]![4]!["priority"]!);
        var cells = table.Obj["rows"]![0]!["cells"]!.AsArray();
        Assert.Equal("t", (string)cells[0]!);
        Assert.Equal("green", (string)cells[1]!);
        Assert.Equal(7, (int)cells[2]!);
        Assert.Equal("True", (string)cells[3]!);
        Assert.Equal("10.1.2.3", (string)cells[4]!);
        Assert.Matches("^[0-9]+s$", (string)cells[5]!);
        Assert.Equal("PartialObjectMetadata", (string)table.Obj["rows"]![0]!["object"]!["kind"]!);

        await s.PostAsync(Services, Service("lb", "LoadBalancer"));
        var svc = await s.GetAsync(Services + "/lb", accept);
        var svcCols = svc.Obj["columnDefinitions"]!.AsArray().Select(c => (string)c!["name"]!).ToArray();
        Assert.Equal(["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"], svcCols);
        Assert.Equal("<pending>", (string)svc.Obj["rows"]![0]!["cells"]![3]!);
        Assert.Matches("^80:3[0-9]{4}/TCP$", (string)svc.Obj["rows"]![0]!["cells"]![4]!);
    }

    [Fact]
    public async Task Yaml_manifests_load_with_yaml_typing_rules()
    {
        var docs = global::KubeApiServer.Yaml.ParseDocuments("a: 1\nb: '1'\nc: true\nd: \"true\"\ne: 1.5\nf: null\ng: [x, 2]\n---\nh: 2\n");
        Assert.Equal(2, docs.Count);
        Assert.Equal("""{"a":1,"b":"1","c":true,"d":"true","e":1.5,"f":null,"g":["x",2]}""", docs[0].ToJsonString());
    }
}
