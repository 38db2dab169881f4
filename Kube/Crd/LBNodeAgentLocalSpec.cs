using System.Text.Json.Serialization;

namespace Purelb.Kube.Crd;

/// <summary>Interface choice, gratuitous announcements and address lifetimes of a node agent.</summary>
public sealed class LBNodeAgentLocalSpec
{
    public const string DefaultLocalInterface = "default";
    public const string DefaultDummyInterface = "kube-lb0";

    /// <summary>`default` (or empty): the default-route NIC per family; otherwise an unanchored regex over interface names.</summary>
    [JsonPropertyName("localInterface")]
    public string? LocalInterface { get; set; }

    /// <summary>Dummy link that carries remote addresses; created when missing.</summary>
    [JsonPropertyName("dummyInterface")]
    public string? DummyInterface { get; set; }

    /// <summary>Extra exact interface names, tried in order after the primary selection and added to lease subnets.</summary>
    [JsonPropertyName("interfaces")]
    public IList<string>? Interfaces { get; set; }

    /// <summary>Gratuitous ARP / unsolicited NA on takeover; absent means none are sent.</summary>
    [JsonPropertyName("garpConfig")]
    public GarpConfig? GarpConfig { get; set; }

    [JsonPropertyName("addressConfig")]
    public AddressConfig? AddressConfig { get; set; }

    /// <summary>How remote addresses reach BGP; absent means the agent's flags decide.</summary>
    [JsonPropertyName("remoteAnnouncement")]
    public RemoteAnnouncementConfig? RemoteAnnouncement { get; set; }
}
