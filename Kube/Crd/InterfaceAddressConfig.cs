using System.Text.Json.Serialization;

namespace Purelb.Kube.Crd;

/// <summary>How addresses are added to one kind of interface.</summary>
public sealed class InterfaceAddressConfig
{
    /// <summary>Seconds; 0 means permanent, 1 to 59 is raised to 60.</summary>
    [JsonPropertyName("validLifetime")]
    public int? ValidLifetime { get; set; }

    /// <summary>Seconds; defaults to the valid lifetime and is capped at it.</summary>
    [JsonPropertyName("preferredLifetime")]
    public int? PreferredLifetime { get; set; }

    /// <summary>Sets IFA_F_NOPREFIXROUTE so the kernel adds no prefix route.</summary>
    [JsonPropertyName("noPrefixRoute")]
    public bool? NoPrefixRoute { get; set; }
}
