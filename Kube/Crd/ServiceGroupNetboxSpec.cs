using System.Text.Json.Serialization;

namespace Purelb.Kube.Crd;

/// <summary>
/// Addresses recorded in Netbox (docs/netbox.md). Field names and meanings match
/// <see cref="Purelb.Ipam.Netbox.NetboxSpec"/>; <c>url</c>, <c>tenant</c> and <c>aggregation</c> are
/// upstream v0.16's. The token is never here, only a reference to a Secret in the install namespace.
/// </summary>
public sealed class ServiceGroupNetboxSpec
{
    [JsonPropertyName("url")]
    public string? Url { get; set; }

    /// <summary>Tenant slug recorded on every address purelb takes.</summary>
    [JsonPropertyName("tenant")]
    public string? Tenant { get; set; }

    /// <summary>Secret key holding the API token; absent means <c>netbox-client</c>/<c>user-token</c>.</summary>
    [JsonPropertyName("tokenSecretRef")]
    public ServiceGroupSecretKeyRef? TokenSecretRef { get; set; }

    /// <summary><c>auto</c>, <c>Token</c> or <c>Bearer</c>.</summary>
    [JsonPropertyName("tokenScheme")]
    public string? TokenScheme { get; set; }

    /// <summary><c>prefix</c> (atomic available-ips) or <c>reserved</c> (claim the tenant's reserved records).</summary>
    [JsonPropertyName("flow")]
    public string? Flow { get; set; }

    [JsonPropertyName("v4prefix")]
    public string? V4Prefix { get; set; }

    [JsonPropertyName("v4prefixId")]
    public int? V4PrefixId { get; set; }

    [JsonPropertyName("v6prefix")]
    public string? V6Prefix { get; set; }

    [JsonPropertyName("v6prefixId")]
    public int? V6PrefixId { get; set; }

    [JsonPropertyName("vrfId")]
    public int? VrfId { get; set; }

    /// <summary><c>IPv4</c>, <c>IPv6</c> or <c>DualStack</c>.</summary>
    [JsonPropertyName("family")]
    public string? Family { get; set; }

    /// <summary><c>local</c> or <c>remote</c> (default remote).</summary>
    [JsonPropertyName("announce")]
    public string? Announce { get; set; }

    [JsonPropertyName("aggregation")]
    public string? Aggregation { get; set; }

    [JsonPropertyName("prefixLength")]
    public int? PrefixLength { get; set; }

    [JsonPropertyName("caBundle")]
    public string? CaBundle { get; set; }

    [JsonPropertyName("caSecretRef")]
    public ServiceGroupSecretKeyRef? CaSecretRef { get; set; }

    [JsonPropertyName("cluster")]
    public string? Cluster { get; set; }

    [JsonPropertyName("dnsZone")]
    public string? DnsZone { get; set; }

    [JsonPropertyName("timeoutSeconds")]
    public int? TimeoutSeconds { get; set; }
}

/// <summary>One key of a Secret in the install namespace.</summary>
public sealed class ServiceGroupSecretKeyRef
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("key")]
    public string? Key { get; set; }
}
