using System.Text.Json;
using k8s.Models;
using Purelb.Kube;
using Xunit;

namespace Purelb.Tests.Kube;

/// <summary>Nodes are read metadata only: what the agent uses (uid, labels, resourceVersion) must come through from
/// a full Node as the API server sends it, and everything else must be skipped, not refused.</summary>
public class MetadataOnlyConverterTests
{
    // A Node as kubelet leaves it: long status, quantities, images, nested arrays and objects around the metadata.
    private const string FullNode = """
        {"kind":"Node","apiVersion":"v1",
         "status":{"capacity":{"cpu":"8","memory":"32Gi"},"allocatable":{"cpu":"7500m"},
                   "conditions":[{"type":"Ready","status":"True","lastHeartbeatTime":"2026-11-27T10:00:00Z"}],
                   "addresses":[{"type":"InternalIP","address":"192.0.2.11"}],
                   "images":[{"names":["registry.example/app@sha256:00","registry.example/app:1"],"sizeBytes":123456789}],
                   "nodeInfo":{"kubeletVersion":"v1.31.0"}},
         "metadata":{"name":"node-a","uid":"0b4c1e0e-1111-2222-3333-444455556666","resourceVersion":"812",
                     "creationTimestamp":"2026-01-01T00:00:00Z",
                     "labels":{"kubernetes.io/hostname":"node-a","purelb.io/zone":"a"},
                     "annotations":{"node.alpha.kubernetes.io/ttl":"0"},
                     "managedFields":[{"manager":"kubelet","operation":"Update","fieldsV1":{"f:status":{"f:images":{}}}}]},
         "spec":{"podCIDR":"10.244.1.0/24","taints":[{"key":"k","effect":"NoSchedule"}]}}
        """;

    [Fact]
    public void A_full_Node_reads_to_its_identity_and_labels()
    {
        var node = JsonSerializer.Deserialize(FullNode, KubeResources.Nodes.ItemType)!;
        Assert.Equal("v1", node.ApiVersion);
        Assert.Equal("Node", node.Kind);
        Assert.Equal("node-a", node.Metadata.Name);
        Assert.Equal("0b4c1e0e-1111-2222-3333-444455556666", node.Metadata.Uid);
        Assert.Equal("812", node.Metadata.ResourceVersion);
        Assert.Equal(new Dictionary<string, string> { ["kubernetes.io/hostname"] = "node-a", ["purelb.io/zone"] = "a" }, node.Metadata.Labels);
        Assert.Equal("0", node.Metadata.Annotations["node.alpha.kubernetes.io/ttl"]);
        Assert.Null(node.Status);
        Assert.Null(node.Spec);
        Assert.Null(node.Metadata.ManagedFields);
    }

    [Fact]
    public void A_list_reads_its_resource_version_continue_token_and_every_item()
    {
        var json = $$$"""{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"900","continue":"abc","remainingItemCount":1},"items":[{{{FullNode}}},{"metadata":{"name":"node-b"}}]}""";
        var list = JsonSerializer.Deserialize(json, KubeResources.Nodes.ListType)!;
        Assert.Equal("900", KubeResources.Nodes.ResourceVersionOf(list));
        Assert.Equal("abc", KubeResources.Nodes.ContinueOf(list));
        Assert.Equal(["node-a", "node-b"], KubeResources.Nodes.ItemsOf(list).Select(n => n.Metadata.Name));
        var empty = JsonSerializer.Deserialize("""{"metadata":{"resourceVersion":"1"},"items":null}""", KubeResources.Nodes.ListType)!;
        Assert.Empty(KubeResources.Nodes.ItemsOf(empty));
    }

    [Fact]
    public void What_it_writes_reads_back_the_same()
    {
        var node = JsonSerializer.Deserialize(FullNode, KubeResources.Nodes.ItemType)!;
        var again = JsonSerializer.Deserialize(JsonSerializer.Serialize(node, KubeResources.Nodes.ItemType), KubeResources.Nodes.ItemType)!;
        Assert.Equal(node.Metadata.Uid, again.Metadata.Uid);
        Assert.Equal(node.Metadata.Labels, again.Metadata.Labels);
        Assert.Equal(node.Metadata.Annotations, again.Metadata.Annotations);
        var list = new V1NodeList { Metadata = new V1ListMeta { ResourceVersion = "5" }, Items = [node] };
        var back = JsonSerializer.Deserialize(JsonSerializer.Serialize(list, KubeResources.Nodes.ListType), KubeResources.Nodes.ListType)!;
        Assert.Equal("5", back.Metadata.ResourceVersion);
        Assert.Equal("node-a", Assert.Single(back.Items).Metadata.Name);
    }

    [Theory]
    [InlineData("""{"metadata":{"name":7}}""")]
    [InlineData("""{"metadata":{"uid":{}}}""")]
    [InlineData("""{"kind":["Node"]}""")]
    [InlineData("""[{"metadata":{}}]""")]
    [InlineData("""{"metadata":{"labels":["a"]}}""")]
    public void Malformed_JSON_is_a_JsonException(string json)
    {
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize(json, KubeResources.Nodes.ItemType));
    }
}
