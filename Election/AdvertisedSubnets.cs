using System.Net;
using System.Net.Sockets;

namespace Purelb.Election;

/// <summary>
/// The subnets this node advertises in its lease (agent.md §2.4): the networks of the addresses on the
/// selected interfaces. IPv6 addresses that are tentative, deprecated (our own VIPs are added deprecated,
/// so they never feed back) or failed DAD are skipped, as is link-local fe80::/10.
/// </summary>
/// <remarks>
/// A default-route interface contributes only the family of its default route, because that is all the local
/// announcer resolves on it (<c>LocalInterfaceResolver</c>): on a node whose IPv4 default goes out eth1 and IPv6
/// default out eth0, upstream also advertised eth0's IPv4 subnet, won elections for it and then announced nothing
/// (the address had no home). Regex and listed interfaces contribute both families, as they resolve both.
/// </remarks>
public static class AdvertisedSubnets
{
    private static readonly IPNetwork LinkLocalV6 = new(IPAddress.Parse("fe80::"), 10);

    public static IReadOnlyList<IPNetwork> Compute(InterfaceSelector selector, NodeNetworkFacts facts)
    {
        var result = new SortedDictionary<string, IPNetwork>(StringComparer.Ordinal);
        var defaultV4 = selector.UseDefault ? facts.DefaultRouteLink(AddressFamily.InterNetwork)?.Name : null;
        var defaultV6 = selector.UseDefault ? facts.DefaultRouteLink(AddressFamily.InterNetworkV6)?.Name : null;
        foreach (var name in selector.SelectLinks(facts))
        {
            if (facts.LinkByName(name) is not { } link) continue;
            bool bothFamilies = selector.Interfaces.Contains(name) || selector.MatchesRegex(link);
            foreach (var address in facts.AddressesOf(link.Index))
            {
                if (!bothFamilies && name != (address.Family == AddressFamily.InterNetworkV6 ? defaultV6 : defaultV4)) continue;
                if (address.Family == AddressFamily.InterNetworkV6
                    && (!address.IsUsableNodeAddress || LinkLocalV6.Contains(address.Address)))
                {
                    continue;
                }
                var network = address.Network;
                result[IpText.FormatPrefix(network)] = network;
            }
        }
        return result.Values.ToArray();
    }

    /// <summary>The annotation value for <see cref="Compute"/>.</summary>
    public static string Annotation(InterfaceSelector selector, NodeNetworkFacts facts) =>
        SubnetsAnnotation.Format(Compute(selector, facts));
}
