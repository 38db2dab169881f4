using System.Text.Json.Serialization;

namespace Purelb.Kube.Crd;

/// <summary>Address lifetimes and flags, separately for the announcing NIC and the dummy interface.</summary>
public sealed class AddressConfig
{
    [JsonPropertyName("localInterface")]
    public InterfaceAddressConfig? LocalInterface { get; set; }

    [JsonPropertyName("dummyInterface")]
    public InterfaceAddressConfig? DummyInterface { get; set; }
}
