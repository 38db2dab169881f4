using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Purelb.Kube.Crd;

/// <summary>The list kind the API server returns for LBNodeAgents.</summary>
public sealed class LBNodeAgentList : IKubernetesObject<V1ListMeta>
{
    public const string KindName = "LBNodeAgentList";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = CrdNames.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<LBNodeAgent> Items { get; set; } = [];
}
