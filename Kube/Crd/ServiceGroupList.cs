using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Purelb.Kube.Crd;

/// <summary>The list kind the API server returns for ServiceGroups.</summary>
public sealed class ServiceGroupList : IKubernetesObject<V1ListMeta>
{
    public const string KindName = "ServiceGroupList";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = CrdNames.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<ServiceGroup> Items { get; set; } = [];
}
