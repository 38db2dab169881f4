using System.Text.Json.Serialization;

namespace Purelb.Kube.Crd;

/// <summary>One address range of a ServiceGroup and the subnet it lives in.</summary>
public sealed class AddressPool
{
    /// <summary>A CIDR (start is the address as written) or `from-to`.</summary>
    [JsonPropertyName("pool")]
    public string? Pool { get; set; }

    /// <summary>CIDR that must contain both ends of <see cref="Pool"/>; the key multi-pool matches node subnets on.</summary>
    [JsonPropertyName("subnet")]
    public string? Subnet { get; set; }

    /// <summary>`default` (the subnet's mask) or `/N`: the prefix length used on the dummy interface.</summary>
    [JsonPropertyName("aggregation")]
    public string? Aggregation { get; set; }
}
