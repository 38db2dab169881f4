using System.Text.Json.Serialization;

namespace Purelb.Kube.Crd;

/// <summary>Addresses handed out by an external IPAM sidecar over a Unix socket.</summary>
public sealed class ServiceGroupExternalSpec
{
    public const string DefaultSocket = "/var/run/purelb/ipam.sock";

    /// <summary>Display name only; copied to status.ipam, never checked against the sidecar.</summary>
    [JsonPropertyName("provider")]
    public string? Provider { get; set; }

    /// <summary>Absolute path of the sidecar's socket; empty means <see cref="DefaultSocket"/>.</summary>
    [JsonPropertyName("socket")]
    public string? Socket { get; set; }

    /// <summary>`local` or `remote`: how node agents announce the sidecar's addresses.</summary>
    [JsonPropertyName("announce")]
    public string? Announce { get; set; }
}
