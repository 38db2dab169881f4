using System.Net.Sockets;
using Purelb.Netlink.Interop;

namespace Purelb.Netlink.Route;

/// <summary>Default-route discovery (agent.md §8.4), with ECMP (RTA_MULTIPATH) default routes supported.</summary>
public sealed class RouteService
{
    private readonly NetlinkConnection _connection;

    public RouteService(NetlinkConnection connection) => _connection = connection;

    /// <summary>Every main-table route of <paramref name="family"/> that is not a cached clone.</summary>
    public DumpResult<RouteInfo> List(AddressFamily family)
    {
        lock (_connection.SyncRoot)
        {
            var request = RouteMessage.Dump(_connection.RequestBuffer, family);
            var replies = _connection.Query(ref request, "list routes");
            var routes = new List<RouteInfo>();
            try
            {
                while (replies.MoveNext())
                {
                    if (replies.Current.Type != NetlinkConstants.RTM_NEWROUTE) continue;
                    var route = RouteMessage.Decode(replies.Current);
                    if (route.Family != family) continue;
                    if ((route.Flags & NetlinkConstants.RTM_F_CLONED) != 0) continue;
                    if (route.Table != NetlinkConstants.RT_TABLE_MAIN) continue;
                    routes.Add(route);
                }
                return new DumpResult<RouteInfo>(routes, replies.Interrupted);
            }
            finally
            {
                replies.Dispose();
            }
        }
    }

    /// <summary>The default routes of <paramref name="family"/>, lowest metric first.</summary>
    public IReadOnlyList<RouteInfo> GetDefaultRoutes(AddressFamily family) =>
        List(family).Where(r => r.IsDefault && r.NextHops.Count > 0).OrderBy(r => r.Priority).ToList();

    /// <summary>
    /// The interfaces of the best (lowest-metric) default route: one for a plain route, every next hop's interface
    /// (in kernel order, without repeats) for a multipath route. Empty when the family has no default route.
    /// </summary>
    public IReadOnlyList<int> GetDefaultInterfaces(AddressFamily family)
    {
        var routes = GetDefaultRoutes(family);
        if (routes.Count == 0) return [];
        return routes[0].NextHops.Select(h => h.InterfaceIndex).Where(i => i > 0).Distinct().ToList();
    }

    /// <summary>The first interface of the best default route, or null when the family has none.</summary>
    public int? GetDefaultInterface(AddressFamily family)
    {
        var interfaces = GetDefaultInterfaces(family);
        return interfaces.Count > 0 ? interfaces[0] : null;
    }
}
