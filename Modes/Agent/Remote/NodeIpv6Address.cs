using System.Net;
using System.Net.Sockets;
using Purelb.Netlink;

namespace Purelb.Modes.Agent.Remote;

/// <summary>
/// The node's global IPv6 address, the next hop IPv6 announcements must carry (an unspecified one is turned into an
/// IPv4 address over IPv4 peerings and dropped: bgp-and-ipam.md §2.4). Preferred on the IPv6 default-route
/// interface; never link-local, deprecated (our own IPv6 VIPs are), tentative, or on the dummy interface.
/// </summary>
public static class NodeIpv6Address
{
    public static IPAddress? Find(RtNetlink rt, string dummyInterface)
    {
        var dummy = rt.Links.TryGetByName(dummyInterface)?.Index ?? -1;
        var defaultLink = rt.Routes.List(AddressFamily.InterNetworkV6).Where(r => r.IsDefault).Select(r => r.OutputInterface).FirstOrDefault();
        var candidates = rt.Addresses.List(AddressFamily.InterNetworkV6)
            .Where(a => a.InterfaceIndex != dummy && a.Scope == 0 && !a.IsDeprecated && !a.IsTentative
                        && !a.Address.IsIPv6LinkLocal && !IPAddress.IsLoopback(a.Address))
            .OrderBy(a => a.InterfaceIndex == defaultLink ? 0 : 1)
            .ThenBy(a => a.InterfaceIndex)
            .ToList();
        return candidates.FirstOrDefault()?.Address;
    }
}
