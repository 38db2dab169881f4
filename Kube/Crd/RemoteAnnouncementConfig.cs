using System.Text.Json.Serialization;

namespace Purelb.Kube.Crd;

/// <summary>How this node's remote addresses reach BGP (docs/bgp.md). Every field falls back to the agent's flags.</summary>
public sealed class RemoteAnnouncementConfig
{
    public const string GobgpApi = "gobgpAPI";
    public const string NetlinkImport = "netlinkImport";
    public const string AutoNextHop = "auto";

    /// <summary><c>gobgpAPI</c>: the agent adds and withdraws paths through gobgpd's gRPC API. <c>netlinkImport</c>:
    /// k8gobgp imports the dummy interface itself and the agent only keeps the interface up to date.</summary>
    [JsonPropertyName("mode")]
    public string? Mode { get; set; }

    /// <summary><c>unix:///path</c> or <c>host:port</c> of gobgpd's API.</summary>
    [JsonPropertyName("gobgpEndpoint")]
    public string? GobgpEndpoint { get; set; }

    /// <summary><c>auto</c> (the node's global IPv6 address, followed as it changes) or a literal IPv6 address.</summary>
    [JsonPropertyName("ipv6NextHop")]
    public string? Ipv6NextHop { get; set; }

    /// <summary>Seconds between full ListPath reconciles with gobgpd.</summary>
    [JsonPropertyName("resyncSeconds")]
    public int? ResyncSeconds { get; set; }
}
