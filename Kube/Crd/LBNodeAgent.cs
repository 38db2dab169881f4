using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Purelb.Kube.Crd;

/// <summary>
/// Node-agent configuration (`purelb.io/v2`, kind LBNodeAgent, namespaced): which interfaces announce,
/// the dummy interface, gratuitous announcements and address lifetimes. Field names match upstream v2.
/// </summary>
[KubernetesEntity(Group = CrdNames.Group, ApiVersion = CrdNames.Version, Kind = KindName, PluralName = Plural)]
public sealed class LBNodeAgent : IKubernetesObject<V1ObjectMeta>
{
    public const string KindName = "LBNodeAgent";
    public const string Plural = "lbnodeagents";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = CrdNames.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public LBNodeAgentSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public LBNodeAgentStatus? Status { get; set; }
}
