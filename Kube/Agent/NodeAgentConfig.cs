using System.Net.Sockets;
using Purelb.Election;
using Purelb.Kube.Crd;
using Purelb.Modes.Agent.Model;

namespace Purelb.Kube.Agent;

/// <summary>What the LBNodeAgent resources configure for local announcement on this node.</summary>
/// <param name="State">Metric value of <c>selector_state</c>: default, configured, deselected or invalid.</param>
/// <param name="Effective">The LBNodeAgent in force on this node, if any.</param>
/// <param name="Ignored">Other LBNodeAgents that matched this node but lost to <paramref name="Effective"/> (ConfigIgnored).</param>
/// <param name="InvalidSelectors">LBNodeAgents whose nodeSelector cannot be evaluated, with why (InvalidNodeSelector).</param>
public sealed record NodeAgentConfig(
    InterfaceSelector Selector,
    GratuitousConfig Gratuitous,
    Modes.Agent.Model.InterfaceAddressConfig? LocalAddresses,
    string State,
    string? Error)
{
    public LBNodeAgent? Effective { get; init; }
    public IReadOnlyList<LBNodeAgent> Ignored { get; init; } = [];
    public IReadOnlyList<(LBNodeAgent Agent, string Error)> InvalidSelectors { get; init; } = [];

    /// <summary>False when no LBNodeAgent selects this node or its own is unusable: it announces nothing, local or
    /// remote.</summary>
    public bool Announces => State is not ("deselected" or "invalid");

    /// <summary>No LBNodeAgent: the default-route interface, default GARP and lifetimes.</summary>
    public static NodeAgentConfig Default { get; } =
        new(InterfaceSelector.DefaultRoute, GratuitousConfig.Default, null, "default", null);

    /// <summary>LBNodeAgents exist but none selects this node: it advertises nothing and announces nothing.</summary>
    public static NodeAgentConfig Deselected { get; } =
        new(InterfaceSelector.Nothing, GratuitousConfig.Default, null, "deselected", null);

    /// <summary>
    /// The effective LBNodeAgent for a node with <paramref name="nodeLabels"/> (agent.md §1.6): among the agents whose
    /// nodeSelector matches, those with a specific selector come first, then the catch-alls, each group by namespace
    /// then name; the first with a <c>local</c> section is in force. Agents exist but none matches → deselected;
    /// matches without any <c>local</c> (or no agents at all) → default-route behaviour.
    /// </summary>
    public static NodeAgentConfig From(IEnumerable<LBNodeAgent> agents, IReadOnlyDictionary<string, string> nodeLabels)
    {
        var all = agents.ToList();
        var invalid = new List<(LBNodeAgent, string)>();
        var matched = new List<LBNodeAgent>();
        foreach (var a in all)
        {
            if (NodeSelectorMatch.Matches(a.Spec?.NodeSelector, nodeLabels, out var error)) matched.Add(a);
            else if (error is not null) invalid.Add((a, error));
        }
        var ordered = matched
            .OrderBy(a => NodeSelectorMatch.IsCatchAll(a.Spec?.NodeSelector) ? 1 : 0)
            .ThenBy(a => a.Metadata.NamespaceProperty ?? "", StringComparer.Ordinal)
            .ThenBy(a => a.Metadata.Name, StringComparer.Ordinal)
            .ToList();
        var effective = ordered.FirstOrDefault(a => a.Spec?.Local is not null);
        NodeAgentConfig config;
        if (all.Count > 0 && matched.Count == 0) config = Deselected;
        else if (effective is null) config = Default;
        else config = FromLocal(effective.Spec.Local!);
        return config with
        {
            Effective = effective,
            Ignored = effective is null ? [] : ordered.Where(a => !ReferenceEquals(a, effective)).ToList(),
            InvalidSelectors = invalid,
        };
    }

    private static NodeAgentConfig FromLocal(LBNodeAgentLocalSpec local)
    {
        var selector = InterfaceSelector.FromLocalSpec(local.LocalInterface, local.Interfaces?.ToList(), local.DummyInterface, out var error);
        if (selector is null) return Default with { Selector = InterfaceSelector.Nothing, State = "invalid", Error = error };
        var g = local.GarpConfig;
        var gratuitous = GratuitousConfig.FromSpec(g is not null, g?.Enabled, g?.InitialDelay, g?.Count, g?.Interval, g?.VerifyBeforeSend);
        var a = local.AddressConfig?.LocalInterface;
        var addresses = a is null ? null : new Modes.Agent.Model.InterfaceAddressConfig(a.ValidLifetime, a.PreferredLifetime, a.NoPrefixRoute);
        return new NodeAgentConfig(selector, gratuitous, addresses, "configured", null);
    }

    public AddressOptions OptionsFor(AddressFamily family, bool skipIpv6Dad) => AddressOptions.ForLocal(LocalAddresses, family, skipIpv6Dad);

    /// <summary>What the config says, for "did anything change" checks and logs.</summary>
    public string Describe() =>
        $"{State} agent={Effective?.Metadata.Name ?? "-"} error={Error ?? "-"} ignored={string.Join(",", Ignored.Select(a => a.Metadata.Name))} invalid={string.Join(",", InvalidSelectors.Select(i => i.Agent.Metadata.Name))}";
}
