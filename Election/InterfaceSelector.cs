using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Purelb.Election;

public enum SelectorKind
{
    /// <summary>No LBNodeAgent with a local spec applies: default-route interfaces (upstream's nil selector).</summary>
    DefaultRoute,
    /// <summary>Node deselected or config invalid: no interfaces, advertise nothing.</summary>
    Nothing,
    /// <summary>From the effective LBNodeAgent's <c>spec.local</c>.</summary>
    Configured,
}

/// <summary>
/// Which interfaces this node serves local addresses on, from an LBNodeAgent's <c>spec.local</c>
/// (<c>localInterface</c> "default"/"" or a regex, extra exact <c>interfaces</c>, minus the dummy).
/// The same rule governs the lease's subnets and where addresses are announced. Loopback never matches a
/// regex on either side (upstream matched it on the announcer side only).
/// </summary>
public sealed class InterfaceSelector
{
    public static InterfaceSelector DefaultRoute { get; } = new(SelectorKind.DefaultRoute, true, null, [], "");
    public static InterfaceSelector Nothing { get; } = new(SelectorKind.Nothing, false, null, [], "");

    private InterfaceSelector(SelectorKind kind, bool useDefault, Regex? regex, IReadOnlyList<string> interfaces, string excludeName)
    {
        Kind = kind;
        UseDefault = useDefault;
        Regex = regex;
        Interfaces = interfaces;
        ExcludeName = excludeName;
    }

    public SelectorKind Kind { get; }
    public bool UseDefault { get; }
    /// <summary>Unanchored ("contains") match over interface names, as upstream; anchor it (<c>^eth0$</c>) to be exact.</summary>
    public Regex? Regex { get; }
    public IReadOnlyList<string> Interfaces { get; }
    /// <summary>The dummy interface name (<c>spec.local.dummyInterface</c>), never selected.</summary>
    public string ExcludeName { get; }

    /// <summary>
    /// Builds a configured selector. An invalid pattern, or one RE2 would reject (look-arounds,
    /// back-references: refused by the non-backtracking engine too), returns an error and no selector.
    /// </summary>
    public static InterfaceSelector? FromLocalSpec(string? localInterface, IReadOnlyList<string>? interfaces, string? dummyInterface, out string? error)
    {
        error = null;
        var exclude = dummyInterface ?? "kube-lb0";
        bool useDefault = string.IsNullOrEmpty(localInterface) || localInterface == "default";
        Regex? regex = null;
        if (!useDefault)
        {
            try
            {
                regex = new Regex(localInterface!, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException)
            {
                error = $"localInterface \"{localInterface}\" is not a valid regular expression: {e.Message}";
                return null;
            }
        }
        var extra = (interfaces ?? []).Where(n => n.Length > 0 && n != exclude).Distinct(StringComparer.Ordinal).ToArray();
        return new InterfaceSelector(SelectorKind.Configured, useDefault, regex, extra, exclude);
    }

    /// <summary>Names of the selected interfaces present on the host, deduplicated, ordinal order.</summary>
    public IReadOnlyList<string> SelectLinks(NodeNetworkFacts facts)
    {
        if (Kind == SelectorKind.Nothing) return [];
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var name in Interfaces)
        {
            if (facts.LinkByName(name) is not null) names.Add(name);
        }
        if (Regex is not null)
        {
            foreach (var link in facts.Links)
            {
                if (MatchesRegex(link)) names.Add(link.Name);
            }
        }
        if (UseDefault)
        {
            if (facts.DefaultRouteLink(AddressFamily.InterNetwork) is { } v4 && v4.Name != ExcludeName) names.Add(v4.Name);
            if (facts.DefaultRouteLink(AddressFamily.InterNetworkV6) is { } v6 && v6.Name != ExcludeName) names.Add(v6.Name);
        }
        return names.ToArray();
    }

    internal bool MatchesRegex(LinkFacts link) =>
        Regex is not null && !link.IsLoopback && link.Name != ExcludeName && Regex.IsMatch(link.Name);
}
