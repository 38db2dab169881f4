using System.Text.Json.Serialization;

namespace Purelb.Kube.Crd;

/// <summary>Defined by the upstream API but never populated; kept so such objects read unchanged.</summary>
public sealed class LBNodeAgentStatus
{
    [JsonPropertyName("activeLeases")]
    public int? ActiveLeases { get; set; }
}
