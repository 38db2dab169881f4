using k8s.Models;

namespace Purelb.Kube;

/// <summary>
/// What the agent keeps of its own Node: the name and labels its LBNodeAgent nodeSelectors are matched against. A
/// Node's status (images, conditions, addresses) runs to tens of kilobytes and changes every few minutes.
/// </summary>
public static class NodeLabelsProjection
{
    public static V1Node Slim(V1Node node) => new()
    {
        ApiVersion = node.ApiVersion,
        Kind = node.Kind,
        Metadata = new V1ObjectMeta
        {
            Name = node.Metadata?.Name,
            ResourceVersion = node.Metadata?.ResourceVersion,
            Labels = node.Metadata?.Labels,
        },
    };

    /// <summary>True when the two label sets hold the same keys and values.</summary>
    public static bool SameLabels(IDictionary<string, string>? a, IReadOnlyDictionary<string, string> b)
    {
        if ((a?.Count ?? 0) != b.Count) return false;
        if (a is null) return true;
        foreach (var (key, value) in a)
            if (!b.TryGetValue(key, out var other) || other != value) return false;
        return true;
    }
}
