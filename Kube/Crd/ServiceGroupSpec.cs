using System.Text.Json.Serialization;

namespace Purelb.Kube.Crd;

/// <summary>
/// What a ServiceGroup hands out. Exactly one of <see cref="Local"/>, <see cref="Remote"/>,
/// <see cref="External"/> and <see cref="Netbox"/> is set (the CRD enforces it). Booleans are nullable so an object read and
/// written back keeps exactly the fields it had.
/// </summary>
public sealed class ServiceGroupSpec
{
    [JsonPropertyName("local")]
    public ServiceGroupLocalSpec? Local { get; set; }

    [JsonPropertyName("remote")]
    public ServiceGroupRemoteSpec? Remote { get; set; }

    [JsonPropertyName("external")]
    public ServiceGroupExternalSpec? External { get; set; }

    [JsonPropertyName("netbox")]
    public ServiceGroupNetboxSpec? Netbox { get; set; }

    /// <summary>Service namespaces this group serves; absent or empty means every namespace.</summary>
    [JsonPropertyName("namespaces")]
    public IList<string>? Namespaces { get; set; }

    /// <summary>Makes <see cref="Namespaces"/> a hard boundary instead of a default.</summary>
    [JsonPropertyName("enforceNamespaces")]
    public bool? EnforceNamespaces { get; set; }

    /// <summary>Marks this group as the default for unannotated Services of its namespaces.</summary>
    [JsonPropertyName("namespaceDefault")]
    public bool? NamespaceDefault { get; set; }
}
