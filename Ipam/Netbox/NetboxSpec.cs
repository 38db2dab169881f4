using System.Text.Json.Serialization;

namespace Purelb.Ipam.Netbox;

/// <summary>
/// ServiceGroup <c>spec.netbox</c> as written by the user (docs/netbox.md). Plain data: validate
/// with <see cref="NetboxPoolConfig.TryCreate"/>. <c>url</c>, <c>tenant</c> and <c>aggregation</c>
/// keep their upstream v0.16 names and meanings; the token is never in the CR, only a reference
/// to a Secret in the install namespace.
/// </summary>
public sealed record NetboxSpec
{
    /// <summary>Netbox root URL, with or without a trailing <c>/api</c> or slash.</summary>
    [JsonPropertyName("url")] public string? Url { get; init; }

    /// <summary>Tenant slug: the tenant recorded on every address purelb takes.</summary>
    [JsonPropertyName("tenant")] public string? Tenant { get; init; }

    /// <summary>Secret holding the API token. Default: <c>netbox-client</c> / <c>user-token</c> (upstream's Secret).</summary>
    [JsonPropertyName("tokenSecretRef")] public SecretKeyRef? TokenSecretRef { get; init; }

    /// <summary><c>auto</c> (default: <c>nbt_…</c> tokens are v2 Bearer, others v1 Token), <c>Token</c> or <c>Bearer</c>.</summary>
    [JsonPropertyName("tokenScheme")] public string? TokenScheme { get; init; }

    /// <summary><c>prefix</c> (default: atomic available-ips in a prefix) or <c>reserved</c> (claim the tenant's reserved addresses, v0.16).</summary>
    [JsonPropertyName("flow")] public string? Flow { get; init; }

    /// <summary>IPv4 prefix to allocate from, as CIDR (looked up) or by Netbox id.</summary>
    [JsonPropertyName("v4prefix")] public string? V4Prefix { get; init; }
    [JsonPropertyName("v4prefixId")] public int? V4PrefixId { get; init; }

    /// <summary>IPv6 prefix to allocate from, as CIDR (looked up) or by Netbox id.</summary>
    [JsonPropertyName("v6prefix")] public string? V6Prefix { get; init; }
    [JsonPropertyName("v6prefixId")] public int? V6PrefixId { get; init; }

    /// <summary>VRF id used when looking prefixes up by CIDR; absent = the global table.</summary>
    [JsonPropertyName("vrfId")] public int? VrfId { get; init; }

    /// <summary><c>IPv4</c>, <c>IPv6</c> or <c>DualStack</c>: the families this group serves. Default: the families with a prefix (prefix flow), both (reserved flow).</summary>
    [JsonPropertyName("family")] public string? Family { get; init; }

    /// <summary><c>local</c> or <c>remote</c> (default <c>remote</c>, as v0.16).</summary>
    [JsonPropertyName("announce")] public string? Announce { get; init; }

    /// <summary>v0.16 field: prefix length used on the dummy interface for remote announcements (<c>default</c> or <c>/N</c>).</summary>
    [JsonPropertyName("aggregation")] public string? Aggregation { get; init; }

    /// <summary>Mask recorded on new addresses (prefix flow); default the prefix's own mask.</summary>
    [JsonPropertyName("prefixLength")] public int? PrefixLength { get; init; }

    /// <summary>PEM CA certificates to trust instead of the system roots.</summary>
    [JsonPropertyName("caBundle")] public string? CaBundle { get; init; }

    /// <summary>Secret key with PEM CA certificates, exclusive with <see cref="CaBundle"/>. The caller reads it, like the token, and sets <see cref="NetboxPoolConfig.CaBundlePem"/>.</summary>
    [JsonPropertyName("caSecretRef")] public SecretKeyRef? CaSecretRef { get; init; }

    /// <summary>Name written into every record's marker so clusters sharing a tenant never touch each other's addresses.</summary>
    [JsonPropertyName("cluster")] public string? Cluster { get; init; }

    /// <summary>Suffix appended to <c>&lt;name&gt;.&lt;namespace&gt;</c> in the records' <c>dns_name</c>.</summary>
    [JsonPropertyName("dnsZone")] public string? DnsZone { get; init; }

    /// <summary>Per-request timeout in seconds (default 10).</summary>
    [JsonPropertyName("timeoutSeconds")] public int? TimeoutSeconds { get; init; }
}

/// <summary>A key of a Secret in the install namespace.</summary>
public sealed record SecretKeyRef
{
    [JsonPropertyName("name")] public string? Name { get; init; }
    [JsonPropertyName("key")] public string? Key { get; init; }
}

[JsonSourceGenerationOptions(ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(NetboxSpec))]
public sealed partial class NetboxSpecJsonContext : JsonSerializerContext;
