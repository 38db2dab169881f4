namespace Purelb.Ipam;

/// <summary>How one namespace is bound to the groups that list it (§4.2).</summary>
/// <param name="Eligible">Sorted names of the groups listing the namespace (each group once).</param>
/// <param name="Enforce">Any eligible group sets enforceNamespaces.</param>
/// <param name="Default">The group unannotated Services get, or null when ambiguous.</param>
/// <param name="AmbiguityReason">Why there is no default, when <paramref name="Default"/> is null.</param>
public sealed record NamespaceBinding(IReadOnlyList<string> Eligible, bool Enforce, string? Default, string? AmbiguityReason);

/// <summary>
/// Namespace → binding, built from the accepted groups only. Catch-all groups are not in it and never
/// count toward eligibility or ambiguity.
/// </summary>
public sealed class NamespaceIndex
{
    private readonly Dictionary<string, NamespaceBinding> _bindings;
    private readonly HashSet<string> _confined;

    private NamespaceIndex(Dictionary<string, NamespaceBinding> bindings, HashSet<string> confined)
    {
        _bindings = bindings;
        _confined = confined;
    }

    public static NamespaceIndex Build(IEnumerable<PoolDefinition> pools)
    {
        var byNamespace = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var pool = new Dictionary<string, PoolDefinition>(StringComparer.Ordinal);
        foreach (var p in pools)
        {
            pool[p.Name] = p;
            foreach (var ns in p.Namespaces)
            {
                if (!byNamespace.TryGetValue(ns, out var set)) byNamespace[ns] = set = new SortedSet<string>(StringComparer.Ordinal);
                set.Add(p.Name);
            }
        }
        var bindings = new Dictionary<string, NamespaceBinding>(StringComparer.Ordinal);
        var confined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (ns, set) in byNamespace)
        {
            var eligible = set.ToArray();
            bool enforce = eligible.Any(n => pool[n].EnforceNamespaces);
            string? def = null;
            string? reason = null;
            if (eligible.Length == 1) def = eligible[0];
            else
            {
                var marked = eligible.Where(n => pool[n].NamespaceDefault).ToArray();
                if (marked.Length == 1) def = marked[0];
                else if (marked.Length == 0)
                    reason = $"namespace \"{ns}\" is served by [{string.Join(' ', eligible)}] and none sets namespaceDefault; exactly one must";
                else
                    reason = $"namespace \"{ns}\": [{string.Join(' ', marked)}] all set namespaceDefault; exactly one must";
            }
            bindings[ns] = new NamespaceBinding(eligible, enforce, def, reason);
            if (enforce) confined.UnionWith(eligible);
        }
        return new NamespaceIndex(bindings, confined);
    }

    public NamespaceBinding? Binding(string ns) => _bindings.GetValueOrDefault(ns);

    /// <summary>Groups eligible for at least one enforcing namespace.</summary>
    public bool IsConfined(string group) => _confined.Contains(group);

    public IEnumerable<string> Namespaces => _bindings.Keys;
}
