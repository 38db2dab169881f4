using System.Net.Sockets;
using Purelb.Election;
using Purelb.Netlink;

namespace Purelb.Modes.Agent;

/// <summary>Reads the host's links, addresses and main-table routes into the election's plain facts.</summary>
public static class NetlinkFacts
{
    private const uint RouteCloned = 0x200;

    public static NodeNetworkFacts Read(RtNetlink rt)
    {
        var links = rt.Links.List().Select(l => new LinkFacts(l.Index, l.Name, l.IsLoopback, l.IsUp)).ToList();
        var addresses = rt.Addresses.List().Select(a => new AddressFacts(
            a.InterfaceIndex, a.Address, a.PrefixLength, (AddressFlags)(int)a.Flags,
            Lifetime(a.ValidLifetime), Lifetime(a.PreferredLifetime))).ToList();
        var routes = new List<RouteFacts>();
        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            foreach (var r in rt.Routes.List(family))
            {
                int? oif = r.NextHops.Count == 1 ? r.NextHops[0].InterfaceIndex : null;
                routes.Add(new RouteFacts(family, r.DestinationLength, oif, (int)r.Priority, r.Table, (r.Flags & RouteCloned) != 0));
            }
        }
        return new NodeNetworkFacts(links, addresses, routes);
    }

    private static TimeSpan? Lifetime(uint seconds) =>
        seconds == Purelb.Netlink.Route.AddressInfo.Forever ? null : TimeSpan.FromSeconds(seconds);
}
