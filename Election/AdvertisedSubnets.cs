using System.Net;
using System.Net.Sockets;

namespace Purelb.Election;

/// <summary>
/// The subnets this node advertises in its lease (agent.md §2.4): the networks of the addresses on the
/// selected interfaces. IPv6 addresses that are tentative, deprecated (our own VIPs are added deprecated,
/// so they never feed back) or failed DAD are skipped, as is link-local fe80::/10.
/// </summary>
public static class AdvertisedSubnets
{
    private static readonly IPNetwork LinkLocalV6 = new(IPAddress.Parse("fe80::"), 10);

    public static IReadOnlyList<IPNetwork> Compute(InterfaceSelector selector, NodeNetworkFacts facts)
    {
        var result = new SortedDictionary<string, IPNetwork>(StringComparer.Ordinal);
        foreach (var name in selector.SelectLinks(facts))
        {
            if (facts.LinkByName(name) is not { } link) continue;
            foreach (var address in facts.AddressesOf(link.Index))
            {
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
