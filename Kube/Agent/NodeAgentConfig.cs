using System.Net.Sockets;
using Purelb.Election;
using Purelb.Kube.Crd;
using Purelb.Modes.Agent.Model;

namespace Purelb.Kube.Agent;

/// <summary>What the LBNodeAgent resource configures for local announcement.</summary>
/// <param name="State">Metric value of <c>selector_state</c>: default, configured or invalid.</param>
public sealed record NodeAgentConfig(
    InterfaceSelector Selector,
    GratuitousConfig Gratuitous,
    Modes.Agent.Model.InterfaceAddressConfig? LocalAddresses,
    string State,
    string? Error)
{
    /// <summary>No LBNodeAgent: the default-route interface, default GARP and lifetimes.</summary>
    public static NodeAgentConfig Default { get; } =
        new(InterfaceSelector.DefaultRoute, GratuitousConfig.Default, null, "default", null);

    /// <summary>The first LBNodeAgent by name wins (upstream reads one per install).</summary>
    public static NodeAgentConfig From(IEnumerable<LBNodeAgent> agents)
    {
        var agent = agents.OrderBy(a => a.Metadata.Name, StringComparer.Ordinal).FirstOrDefault();
        var local = agent?.Spec?.Local;
        if (local is null) return Default;
        var selector = InterfaceSelector.FromLocalSpec(local.LocalInterface, local.Interfaces?.ToList(), local.DummyInterface, out var error);
        if (selector is null) return Default with { Selector = InterfaceSelector.Nothing, State = "invalid", Error = error };
        var g = local.GarpConfig;
        var gratuitous = GratuitousConfig.FromSpec(g is not null, g?.Enabled, g?.InitialDelay, g?.Count, g?.Interval, g?.VerifyBeforeSend);
        var a = local.AddressConfig?.LocalInterface;
        var addresses = a is null ? null : new Modes.Agent.Model.InterfaceAddressConfig(a.ValidLifetime, a.PreferredLifetime, a.NoPrefixRoute);
        return new NodeAgentConfig(selector, gratuitous, addresses, "configured", null);
    }

    public AddressOptions OptionsFor(AddressFamily family, bool skipIpv6Dad) => AddressOptions.ForLocal(LocalAddresses, family, skipIpv6Dad);
}
