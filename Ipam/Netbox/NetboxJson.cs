using System.Text.Json.Serialization;

namespace Purelb.Ipam.Netbox;

// The subset of Netbox's REST objects purelb reads and writes. Unknown fields are skipped, so
// newer Netbox versions that add fields keep working.

internal sealed class NbIpAddress
{
    public int Id { get; set; }
    public NbFamily? Family { get; set; }
    public string Address { get; set; } = "";
    public NbRef? Vrf { get; set; }
    public NbTenant? Tenant { get; set; }
    public NbStatus? Status { get; set; }
    public string? DnsName { get; set; }
    public string? Description { get; set; }
}

internal sealed class NbFamily
{
    public int Value { get; set; }
    public string? Label { get; set; }
}

internal sealed class NbStatus
{
    public string Value { get; set; } = "";
    public string? Label { get; set; }
}

internal sealed class NbTenant
{
    public int Id { get; set; }
    public string? Name { get; set; }
    public string? Slug { get; set; }
}

internal sealed class NbRef
{
    public int Id { get; set; }
    public string? Name { get; set; }
}

internal sealed class NbPrefix
{
    public int Id { get; set; }
    public string Prefix { get; set; } = "";
    public NbRef? Vrf { get; set; }
    public NbFamily? Family { get; set; }
    public bool IsPool { get; set; }
}

internal sealed class NbPage<T>
{
    public int Count { get; set; }
    public string? Next { get; set; }
    public string? Previous { get; set; }
    public List<T> Results { get; set; } = [];
}

internal sealed class NbError
{
    public string? Detail { get; set; }
}

internal sealed class NbApiStatus
{
    [JsonPropertyName("netbox-version")] public string? NetboxVersion { get; set; }
}

/// <summary>Body for creating or patching an IP address; null members are not sent.</summary>
internal sealed class NbIpWrite
{
    public string? Address { get; set; }
    public string? Status { get; set; }
    public NbTenantRef? Tenant { get; set; }
    public string? Description { get; set; }
    public string? DnsName { get; set; }
    public int? PrefixLength { get; set; }
}

internal sealed class NbTenantRef
{
    public string Slug { get; set; } = "";
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(NbIpAddress))]
[JsonSerializable(typeof(NbPage<NbIpAddress>))]
[JsonSerializable(typeof(NbPrefix))]
[JsonSerializable(typeof(NbPage<NbPrefix>))]
[JsonSerializable(typeof(NbError))]
[JsonSerializable(typeof(NbApiStatus))]
[JsonSerializable(typeof(NbIpWrite))]
internal sealed partial class NetboxJsonContext : JsonSerializerContext;
