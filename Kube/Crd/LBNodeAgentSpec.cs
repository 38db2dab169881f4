using System.Text.Json.Serialization;
using k8s.Models;

namespace Purelb.Kube.Crd;

/// <summary>Which nodes an LBNodeAgent applies to, and their announcer settings.</summary>
public sealed class LBNodeAgentSpec
{
    /// <summary>Nodes this object configures; null or empty (no labels, no expressions) matches every node.</summary>
    [JsonPropertyName("nodeSelector")]
    public V1LabelSelector? NodeSelector { get; set; }

    /// <summary>Announcer settings; absent means this object contributes no announcer configuration.</summary>
    [JsonPropertyName("local")]
    public LBNodeAgentLocalSpec? Local { get; set; }
}
