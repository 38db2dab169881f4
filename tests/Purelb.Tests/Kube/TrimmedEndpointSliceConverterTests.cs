using System.Text.Json;
using k8s.Models;
using Purelb.Kube;
using Purelb.Kube.Agent;
using Xunit;

namespace Purelb.Tests.Kube;

/// <summary>EndpointSlices are read trimmed: every field externalTrafficPolicy Local looks at must read as the full
/// model reads it, whatever else a slice carries.</summary>
public class TrimmedEndpointSliceConverterTests
{
    private const string FullSlice = """
        {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice",
         "metadata":{"name":"web-abc12","namespace":"shop","uid":"u-1","resourceVersion":"77",
                     "labels":{"kubernetes.io/service-name":"web","endpointslice.kubernetes.io/managed-by":"endpointslice-controller.k8s.io"},
                     "ownerReferences":[{"apiVersion":"v1","kind":"Service","name":"web","uid":"s-1","controller":true}],
                     "managedFields":[{"manager":"kube-controller-manager","fieldsV1":{"f:endpoints":{}}}]},
         "addressType":"IPv4",
         "endpoints":[
           {"addresses":["10.244.1.5"],"conditions":{"ready":true,"serving":true,"terminating":false},"nodeName":"node-a",
            "targetRef":{"kind":"Pod","namespace":"shop","name":"web-1","uid":"p-1"},"zone":"z1","hints":{"forZones":[{"name":"z1"}]},
            "deprecatedTopology":{"kubernetes.io/hostname":"node-a"}},
           {"addresses":["10.244.2.9","10.244.2.10"],"conditions":{"ready":false,"serving":true,"terminating":true},"nodeName":"node-b"},
           {"addresses":["10.244.3.1"],"conditions":{"serving":true},"nodeName":"node-c"},
           {"addresses":["10.244.4.1"],"nodeName":"node-d"}],
         "ports":[{"name":"http","port":8080,"protocol":"TCP","appProtocol":"http"}]}
        """;

    private static readonly V1EndpointSlice Full = JsonSerializer.Deserialize(FullSlice, k8s.SourceGenerationContext.Default.V1EndpointSlice)!;

    [Fact]
    public void A_full_slice_reads_to_what_local_traffic_policy_uses()
    {
        var slice = JsonSerializer.Deserialize(FullSlice, KubeResources.EndpointSlices.ItemType)!;
        Assert.Equal("web-abc12", slice.Metadata.Name);
        Assert.Equal("shop", slice.Metadata.NamespaceProperty);
        Assert.Equal("77", slice.Metadata.ResourceVersion);
        Assert.Equal(Full.Metadata.Labels, slice.Metadata.Labels);
        Assert.Equal("IPv4", slice.AddressType);
        Assert.Equal(Full.Endpoints.Count, slice.Endpoints.Count);
        for (int i = 0; i < Full.Endpoints.Count; i++)
        {
            Assert.Equal(Full.Endpoints[i].Addresses, slice.Endpoints[i].Addresses);
            Assert.Equal(Full.Endpoints[i].NodeName, slice.Endpoints[i].NodeName);
            Assert.Equal(Full.Endpoints[i].Conditions?.Ready, slice.Endpoints[i].Conditions?.Ready);
            Assert.Equal(Full.Endpoints[i].Conditions?.Serving, slice.Endpoints[i].Conditions?.Serving);
            Assert.Equal(Full.Endpoints[i].Conditions?.Terminating, slice.Endpoints[i].Conditions?.Terminating);
            Assert.Null(slice.Endpoints[i].TargetRef);
        }
        Assert.Null(slice.Ports);
        Assert.Null(slice.Metadata.ManagedFields);
        Assert.Null(slice.Metadata.OwnerReferences);
        foreach (var node in new[] { "node-a", "node-b", "node-c", "node-d", "node-e" })
            Assert.Equal(EndpointReadiness.HasHealthyLocalEndpoint([Full], "shop", "web", node),
                EndpointReadiness.HasHealthyLocalEndpoint([slice], "shop", "web", node));
        Assert.Equal("shop/web", EndpointReadiness.ServiceKeyOf(slice));
    }

    [Fact]
    public void What_it_writes_reads_back_the_same_and_lists_carry_their_items()
    {
        var slice = JsonSerializer.Deserialize(FullSlice, KubeResources.EndpointSlices.ItemType)!;
        var list = new V1EndpointSliceList { Metadata = new V1ListMeta { ResourceVersion = "80", ContinueProperty = "next" }, Items = [slice, slice] };
        var json = JsonSerializer.Serialize(list, KubeResources.EndpointSlices.ListType);
        var back = JsonSerializer.Deserialize(json, KubeResources.EndpointSlices.ListType)!;
        Assert.Equal("80", KubeResources.EndpointSlices.ResourceVersionOf(back));
        Assert.Equal("next", KubeResources.EndpointSlices.ContinueOf(back));
        Assert.Equal(2, back.Items.Count);
        var again = back.Items[1];
        Assert.Equal(slice.Metadata.Labels, again.Metadata.Labels);
        Assert.Equal(slice.Endpoints.Select(e => (string.Join(",", e.Addresses), e.NodeName, e.Conditions?.Ready, e.Conditions?.Serving, e.Conditions?.Terminating)),
            again.Endpoints.Select(e => (string.Join(",", e.Addresses), e.NodeName, e.Conditions?.Ready, e.Conditions?.Serving, e.Conditions?.Terminating)));
        // The full model reads what the trimmed one writes.
        var full = JsonSerializer.Deserialize(JsonSerializer.Serialize(slice, KubeResources.EndpointSlices.ItemType), k8s.SourceGenerationContext.Default.V1EndpointSlice)!;
        Assert.Equal("node-b", full.Endpoints[1].NodeName);
        Assert.True(full.Endpoints[1].Conditions.Terminating);
    }

    [Theory]
    [InlineData("""{"endpoints":[{"conditions":{"ready":"yes"}}]}""")]
    [InlineData("""{"endpoints":[{"addresses":[1]}]}""")]
    [InlineData("""{"endpoints":[null]}""")]
    [InlineData("""{"endpoints":{}}""")]
    public void Malformed_slices_are_a_JsonException(string json)
    {
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize(json, KubeResources.EndpointSlices.ItemType));
    }
}
