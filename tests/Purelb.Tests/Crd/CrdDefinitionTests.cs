using System.Text.Json.Nodes;
using Purelb.Kube.Crd;
using Xunit;

namespace Purelb.Tests.Crd;

/// <summary>Names, scope, subresources and printer columns of the CRDs, as upstream v2 clusters know them.</summary>
public class CrdDefinitionTests
{
    [Theory]
    [InlineData("purelb.io_servicegroups.yaml", "servicegroups", "ServiceGroup", "ServiceGroupList", "sg,sgs")]
    [InlineData("purelb.io_lbnodeagents.yaml", "lbnodeagents", "LBNodeAgent", "LBNodeAgentList", "lbna,lbnas")]
    public void Names_match_upstream(string file, string plural, string kind, string listKind, string shortNames)
    {
        var crd = CrdManifests.LoadCrd(file);
        Assert.Equal("apiextensions.k8s.io/v1", (string?)crd["apiVersion"]);
        Assert.Equal("CustomResourceDefinition", (string?)crd["kind"]);
        Assert.Equal($"{plural}.{CrdNames.Group}", (string?)crd["metadata"]!["name"]);
        var spec = crd["spec"]!;
        Assert.Equal(CrdNames.Group, (string?)spec["group"]);
        Assert.Equal("Namespaced", (string?)spec["scope"]);
        Assert.Equal(plural, (string?)spec["names"]!["plural"]);
        Assert.Equal(kind, (string?)spec["names"]!["kind"]);
        Assert.Equal(listKind, (string?)spec["names"]!["listKind"]);
        Assert.Equal(shortNames.Split(','), spec["names"]!["shortNames"]!.AsArray().Select(n => (string?)n));
        var version = Assert.Single(spec["versions"]!.AsArray())!;
        Assert.Equal(CrdNames.Version, (string?)version["name"]);
        Assert.True((bool)version["served"]!);
        Assert.True((bool)version["storage"]!);
        Assert.IsType<JsonObject>(version["subresources"]!["status"]);
    }

    [Fact]
    public void ServiceGroup_requires_spec_and_holds_the_upstream_rules()
    {
        var schema = CrdManifests.Schema(CrdManifests.LoadCrd("purelb.io_servicegroups.yaml"));
        Assert.Contains("spec", schema["required"]!.AsArray().Select(n => (string?)n));
        var spec = schema["properties"]!["spec"]!;
        var messages = spec["x-kubernetes-validations"]!.AsArray().Select(r => (string?)r!["message"]).ToList();
        Assert.Contains("exactly one of local, remote, external, or netbox must be specified", messages);
        var local = spec["properties"]!["local"]!["properties"]!;
        Assert.Equal("^(default|/([89]|[1-9][0-9]|1[01][0-9]|12[0-8]))$", (string?)local["v4pool"]!["properties"]!["aggregation"]!["pattern"]);
        Assert.Equal(["pool", "subnet"], local["v6pools"]!["items"]!["required"]!.AsArray().Select(n => (string?)n));
        var external = spec["properties"]!["external"]!;
        Assert.Equal(["local", "remote"], external["properties"]!["announce"]!["enum"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(ServiceGroupExternalSpec.DefaultSocket, (string?)external["properties"]!["socket"]!["default"]);
        Assert.Equal("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", (string?)spec["properties"]!["namespaces"]!["items"]!["pattern"]);
        Assert.Equal(0, (long)schema["properties"]!["status"]!["properties"]!["availableIPv6"]!["minimum"]!);
    }

    [Fact]
    public void LBNodeAgent_defaults_match_the_agent()
    {
        var local = CrdManifests.Schema(CrdManifests.LoadCrd("purelb.io_lbnodeagents.yaml"))["properties"]!["spec"]!["properties"]!["local"]!["properties"]!;
        Assert.Equal(LBNodeAgentLocalSpec.DefaultLocalInterface, (string?)local["localInterface"]!["default"]);
        Assert.Equal(LBNodeAgentLocalSpec.DefaultDummyInterface, (string?)local["dummyInterface"]!["default"]);
        var garp = local["garpConfig"]!["properties"]!;
        Assert.True((bool)garp["enabled"]!["default"]!);
        Assert.Equal(GarpConfig.DefaultInitialDelay, (string?)garp["initialDelay"]!["default"]);
        Assert.Equal(GarpConfig.DefaultInterval, (string?)garp["interval"]!["default"]);
        Assert.Equal(GarpConfig.DefaultCount, (long)garp["count"]!["default"]!);
        Assert.Equal(GarpConfig.MinCount, (long)garp["count"]!["minimum"]!);
        Assert.Equal(GarpConfig.MaxCount, (long)garp["count"]!["maximum"]!);
        Assert.True((bool)garp["verifyBeforeSend"]!["default"]!);
        Assert.Equal(0, (long)local["addressConfig"]!["properties"]!["dummyInterface"]!["properties"]!["validLifetime"]!["minimum"]!);
    }

    [Theory]
    [InlineData("purelb.io_servicegroups.yaml", "Announce,IPAM,Allocated-V4,Allocated-V6,Age,Addresses,Available-V4,Available-V6,Namespaces,Enforced,Bound")]
    [InlineData("purelb.io_lbnodeagents.yaml", "Local-Interface,Dummy-Interface,Extra-Interfaces,GARP,Node-Selector,Age")]
    public void Printer_columns_point_at_fields_of_the_schema(string file, string columns)
    {
        var crd = CrdManifests.LoadCrd(file);
        var schema = CrdManifests.Schema(crd);
        var printed = crd["spec"]!["versions"]![0]!["additionalPrinterColumns"]!.AsArray();
        Assert.Equal(columns.Split(','), printed.Select(c => (string?)c!["name"]));
        foreach (var column in printed)
        {
            var jsonPath = (string)column!["jsonPath"]!;
            if (jsonPath == ".metadata.creationTimestamp")
            {
                continue;
            }
            JsonNode? node = schema;
            foreach (var part in jsonPath.TrimStart('.').Split('.'))
            {
                node = node?["properties"]?[part];
            }
            Assert.True(node is not null, $"{column["name"]}: {jsonPath} is not in the schema");
        }
    }
}
