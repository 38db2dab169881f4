using System.Text.Json.Serialization;

namespace Purelb.Kube.Crd;

/// <summary>Routed addresses: put on the dummy interface of every node and advertised by BGP. No skip-DAD here.</summary>
public sealed class ServiceGroupRemoteSpec
{
    [JsonPropertyName("v4pool")]
    public AddressPool? V4Pool { get; set; }

    [JsonPropertyName("v6pool")]
    public AddressPool? V6Pool { get; set; }

    [JsonPropertyName("v4pools")]
    public IList<AddressPool>? V4Pools { get; set; }

    [JsonPropertyName("v6pools")]
    public IList<AddressPool>? V6Pools { get; set; }

    [JsonPropertyName("multiPool")]
    public bool? MultiPool { get; set; }

    [JsonPropertyName("balancePools")]
    public bool? BalancePools { get; set; }
}
