using System.Text.Json.Serialization;

namespace Purelb.Kube.Crd;

/// <summary>Addresses on the nodes' own subnets, announced by ARP/NDP from a real interface.</summary>
public sealed class ServiceGroupLocalSpec
{
    [JsonPropertyName("v4pool")]
    public AddressPool? V4Pool { get; set; }

    [JsonPropertyName("v6pool")]
    public AddressPool? V6Pool { get; set; }

    [JsonPropertyName("v4pools")]
    public IList<AddressPool>? V4Pools { get; set; }

    [JsonPropertyName("v6pools")]
    public IList<AddressPool>? V6Pools { get; set; }

    /// <summary>Allocations get `purelb.io/skip-ipv6-dad: "true"`, so agents add v6 addresses without DAD.</summary>
    [JsonPropertyName("skipIPv6DAD")]
    public bool? SkipIPv6Dad { get; set; }

    /// <summary>One address per range (per family) whose subnet has live nodes.</summary>
    [JsonPropertyName("multiPool")]
    public bool? MultiPool { get; set; }

    /// <summary>Allocate from the range with the fewest addresses in use.</summary>
    [JsonPropertyName("balancePools")]
    public bool? BalancePools { get; set; }
}
