using k8s.Models;

namespace Purelb.Kube.Agent;

/// <summary>
/// Evaluates an LBNodeAgent's <c>spec.nodeSelector</c> (a metav1.LabelSelector) against the Node's labels.
/// Null or empty (no matchLabels, no matchExpressions) is the catch-all. A selector that cannot be converted
/// (unknown operator, In/NotIn without values, Exists/DoesNotExist with values) matches nothing and says why.
/// </summary>
public static class NodeSelectorMatch
{
    public static bool IsCatchAll(V1LabelSelector? selector) =>
        selector is null || ((selector.MatchLabels?.Count ?? 0) == 0 && (selector.MatchExpressions?.Count ?? 0) == 0);

    /// <summary>True when the selector matches; false with <paramref name="error"/> set when it cannot be evaluated.</summary>
    public static bool Matches(V1LabelSelector? selector, IReadOnlyDictionary<string, string> labels, out string? error)
    {
        error = null;
        if (IsCatchAll(selector)) return true;
        bool match = true;
        foreach (var (key, value) in selector!.MatchLabels ?? new Dictionary<string, string>())
        {
            if (!labels.TryGetValue(key, out var have) || have != value) match = false;
        }
        foreach (var e in selector.MatchExpressions ?? [])
        {
            var values = e.Values ?? [];
            bool has = labels.TryGetValue(e.Key ?? "", out var have);
            switch (e.OperatorProperty)
            {
                case "In" when values.Count > 0:
                    if (!has || !values.Contains(have!)) match = false;
                    break;
                case "NotIn" when values.Count > 0:
                    if (has && values.Contains(have!)) match = false;
                    break;
                case "Exists" when values.Count == 0:
                    if (!has) match = false;
                    break;
                case "DoesNotExist" when values.Count == 0:
                    if (has) match = false;
                    break;
                default:
                    error = $"matchExpressions key \"{e.Key}\": operator \"{e.OperatorProperty}\" with {values.Count} value(s) is not a valid requirement";
                    return false;
            }
            if (string.IsNullOrEmpty(e.Key))
            {
                error = "matchExpressions: a requirement has no key";
                return false;
            }
        }
        return match;
    }
}
