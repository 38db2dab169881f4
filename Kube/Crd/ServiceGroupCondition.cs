using System.Text.Json.Serialization;

namespace Purelb.Kube.Crd;

/// <summary>
/// One condition of an external group's status (docs/netbox.md): <c>IpamReachable</c> (the IPAM answers and accepts
/// our credentials) and <c>AddressesAvailable</c> (it still has a free address for the group).
/// </summary>
public sealed class ServiceGroupCondition
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    /// <summary><c>True</c>, <c>False</c> or <c>Unknown</c>.</summary>
    [JsonPropertyName("status")]
    public string? Status { get; set; }

    /// <summary>One word: <c>Connected</c>, or the failure kind (<c>Unauthorized</c>, <c>Timeout</c>, …).</summary>
    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }

    /// <summary>RFC 3339 UTC time the status last changed, as the allocator writes it.</summary>
    [JsonPropertyName("lastTransitionTime")]
    public string? LastTransitionTime { get; set; }
}
