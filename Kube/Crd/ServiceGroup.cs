using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Purelb.Kube.Crd;

/// <summary>
/// A pool of LoadBalancer addresses (`purelb.io/v2`, kind ServiceGroup, namespaced). Field names match
/// upstream PureLB v2 exactly so existing objects read unchanged.
/// </summary>
[KubernetesEntity(Group = CrdNames.Group, ApiVersion = CrdNames.Version, Kind = KindName, PluralName = Plural)]
public sealed class ServiceGroup : IKubernetesObject<V1ObjectMeta>
{
    public const string KindName = "ServiceGroup";
    public const string Plural = "servicegroups";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = CrdNames.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KindName;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public ServiceGroupSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public ServiceGroupStatus? Status { get; set; }
}
