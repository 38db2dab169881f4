using System.Net;
using System.Net.Sockets;
using Purelb.Election;

namespace Purelb.Modes.Agent.Model;

public enum ResolutionKind
{
    /// <summary>The address lies in a subnet of a selected interface: it is a local address there.</summary>
    Local,
    /// <summary>No selected interface carries a subnet containing it.</summary>
    NotLocal,
}

/// <param name="Link">The interface to add the address to.</param>
/// <param name="PrefixLength">Prefix length of the node subnet containing the address (the address is added with it).</param>
public sealed record InterfaceResolution(ResolutionKind Kind, LinkFacts? Link, int PrefixLength)
{
    public static InterfaceResolution NotLocal { get; } = new(ResolutionKind.NotLocal, null, 0);
}

/// <summary>
/// "Is this address local to one of this node's selected interfaces, and with which prefix?" (agent.md §3.2):
/// regex-matched interfaces in name order, or the default-route interface of the address's family, then the
/// extra <c>interfaces</c> in listed order; the first whose own addresses cover the VIP wins. With no
/// LBNodeAgent local spec the node behaves as the shipped default (<c>localInterface: default</c>), so it
/// never wins an election it would not serve.
/// </summary>
public static class LocalInterfaceResolver
{
    public static InterfaceResolution Resolve(InterfaceSelector selector, NodeNetworkFacts facts, IPAddress vip)
    {
        vip = ElectionKey.Normalize(vip);
        if (selector.Kind == SelectorKind.Nothing) return InterfaceResolution.NotLocal;

        if (selector.Regex is not null)
        {
            foreach (var link in facts.Links.Where(selector.MatchesRegex).OrderBy(l => l.Name, StringComparer.Ordinal))
            {
                if (Check(facts, link, vip) is { } found) return found;
            }
        }
        if (selector.UseDefault && facts.DefaultRouteLink(vip.AddressFamily) is { } defaultLink && defaultLink.Name != selector.ExcludeName)
        {
            if (Check(facts, defaultLink, vip) is { } found) return found;
        }
        foreach (var name in selector.Interfaces)
        {
            if (facts.LinkByName(name) is { } link && Check(facts, link, vip) is { } found) return found;
        }
        return InterfaceResolution.NotLocal;
    }

    private static InterfaceResolution? Check(NodeNetworkFacts facts, LinkFacts link, IPAddress vip)
    {
        InterfaceResolution? match = null;
        foreach (var a in facts.AddressesOf(link.Index))
        {
            if (a.Family != vip.AddressFamily || !a.IsUsableNodeAddress) continue;
            if (vip.AddressFamily == AddressFamily.InterNetworkV6 && a.Address.IsIPv6LinkLocal) continue;
            if (a.Network.Contains(vip)) match = new InterfaceResolution(ResolutionKind.Local, link, a.PrefixLength);
        }
        return match;
    }
}
