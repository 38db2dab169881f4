using System.Net;
using System.Net.Sockets;

namespace Purelb.Netlink.Route;

/// <summary>One next hop of a route: the outgoing interface and, when present, the gateway.</summary>
public sealed record NextHop(int InterfaceIndex, IPAddress? Gateway, byte Weight);

/// <summary>
/// A route from the main table as RTM_NEWROUTE describes it. Single-path routes have one next hop (RTA_OIF,
/// RTA_GATEWAY); multipath routes (RTA_MULTIPATH) have one per rtnexthop.
/// </summary>
public sealed record RouteInfo(
    AddressFamily Family,
    IPAddress? Destination,
    byte DestinationLength,
    byte Table,
    uint Flags,
    uint Priority,
    IReadOnlyList<NextHop> NextHops)
{
    public bool IsDefault => DestinationLength == 0;

    /// <summary>The first next hop's interface: RTA_OIF, or the first rtnexthop of a multipath route.</summary>
    public int OutputInterface => NextHops.Count > 0 ? NextHops[0].InterfaceIndex : 0;
}
