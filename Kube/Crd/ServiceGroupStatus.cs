using System.Text.Json.Serialization;

namespace Purelb.Kube.Crd;

/// <summary>Pool usage, written only by the allocator through the status subresource.</summary>
public sealed class ServiceGroupStatus
{
    /// <summary>`Local` or `Remote` (external pools: their announce value, capitalised).</summary>
    [JsonPropertyName("announce")]
    public string? Announce { get; set; }

    /// <summary>`Cluster` for local and remote pools; the provider name for external pools.</summary>
    [JsonPropertyName("ipam")]
    public string? Ipam { get; set; }

    /// <summary>Range strings as written, v4 ranges first (external pools: the sidecar's display list).</summary>
    [JsonPropertyName("addresses")]
    public IList<string>? Addresses { get; set; }

    /// <summary>Distinct IPv4 addresses in use; always written (a shared address counts once).</summary>
    [JsonPropertyName("allocatedIPv4")]
    public long AllocatedIPv4 { get; set; }

    [JsonPropertyName("allocatedIPv6")]
    public long AllocatedIPv6 { get; set; }

    /// <summary>Free IPv4 addresses; absent when the capacity is unknown (external pools).</summary>
    [JsonPropertyName("availableIPv4")]
    public long? AvailableIPv4 { get; set; }

    [JsonPropertyName("availableIPv6")]
    public long? AvailableIPv6 { get; set; }

    /// <summary>Verbatim copy of spec.namespaces as the allocator parsed it.</summary>
    [JsonPropertyName("boundNamespaces")]
    public IList<string>? BoundNamespaces { get; set; }

    /// <summary>External groups only: whether the IPAM answers and has addresses left.</summary>
    [JsonPropertyName("conditions")]
    public IList<ServiceGroupCondition>? Conditions { get; set; }
}
