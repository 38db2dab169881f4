using System.Text.Json.Serialization;

namespace Purelb.Kube.Crd;

/// <summary>Gratuitous ARP (IPv4) and unsolicited neighbour advertisement (IPv6) settings.</summary>
public sealed class GarpConfig
{
    public const string DefaultInitialDelay = "100ms";
    public const string DefaultInterval = "500ms";
    public const int DefaultCount = 3;
    public const int MinCount = 1;
    public const int MaxCount = 10;

    [JsonPropertyName("enabled")]
    public bool? Enabled { get; set; }

    /// <summary>Go duration text (e.g. `100ms`) before the first packet.</summary>
    [JsonPropertyName("initialDelay")]
    public string? InitialDelay { get; set; }

    /// <summary>Packets per takeover, 1 to 10.</summary>
    [JsonPropertyName("count")]
    public int? Count { get; set; }

    /// <summary>Go duration text between packets.</summary>
    [JsonPropertyName("interval")]
    public string? Interval { get; set; }

    /// <summary>Re-check that this node still owns the address before each packet.</summary>
    [JsonPropertyName("verifyBeforeSend")]
    public bool? VerifyBeforeSend { get; set; }
}
