using System.Net;
using System.Net.Sockets;
using Purelb.Bgp.Protos.V4;
using Attribute = Purelb.Bgp.Protos.V4.Attribute;
using V4Path = Purelb.Bgp.Protos.V4.Path;

namespace Purelb.Bgp.V4;

/// <summary>Builds and reads v4 (api) messages: typed NLRI/Attribute oneofs, enums shifted by UNSPECIFIED = 0.</summary>
internal static class V4Messages
{
    private const uint OriginIgp = 0;

    public static Family FamilyOf(AddressFamily family) => family == AddressFamily.InterNetworkV6
        ? new Family { Afi = Family.Types.Afi.Ip6, Safi = Family.Types.Safi.Unicast }
        : new Family { Afi = Family.Types.Afi.Ip, Safi = Family.Types.Safi.Unicast };

    private static NLRI NlriOf(IPNetwork prefix) => new()
    {
        Prefix = new IPAddressPrefix { PrefixLen = (uint)prefix.PrefixLength, Prefix = prefix.BaseAddress.ToString() },
    };

    /// <summary>The path for a route: IPv4 carries NEXT_HOP, IPv6 an MP_REACH_NLRI with the same prefix.</summary>
    public static V4Path PathOf(BgpRoute route)
    {
        var path = new V4Path { Nlri = NlriOf(route.Prefix), Family = FamilyOf(route.Family) };
        // Origin 0 (IGP) encodes as an empty submessage; it is still present on the wire.
        path.Pattrs.Add(new Attribute { Origin = new OriginAttribute { Origin = OriginIgp } });
        if (route.Family == AddressFamily.InterNetworkV6)
        {
            var reach = new MpReachNLRIAttribute { Family = FamilyOf(AddressFamily.InterNetworkV6) };
            reach.NextHops.Add(route.NextHop.ToString());
            reach.Nlris.Add(NlriOf(route.Prefix));
            path.Pattrs.Add(new Attribute { MpReach = reach });
        }
        else
        {
            path.Pattrs.Add(new Attribute { NextHop = new NextHopAttribute { NextHop = route.NextHop.ToString() } });
        }
        return path;
    }

    public static AddPathRequest AddPath(BgpRoute route) => new() { TableType = TableType.Global, Path = PathOf(route) };

    /// <summary>Withdraw by path, never by an empty request (which would drop every local path).</summary>
    public static DeletePathRequest DeletePath(BgpRoute route) => new()
    {
        TableType = TableType.Global,
        Family = FamilyOf(route.Family),
        Path = PathOf(route),
    };

    public static ListPathRequest ListPath(AddressFamily family) => new() { TableType = TableType.Global, Family = FamilyOf(family) };

    public static WatchEventRequest WatchPeers() => new() { Peer = new WatchEventRequest.Types.Peer() };

    public static IEnumerable<BgpRibPath> RibPaths(Destination destination)
    {
        if (!IPNetwork.TryParse(destination.Prefix, out var prefix)) yield break;
        foreach (var p in destination.Paths)
            yield return new BgpRibPath(prefix, NextHopOf(p), p.NeighborIp, p.IsFromExternal, p.Best);
    }

    public static IPAddress? NextHopOf(V4Path path)
    {
        foreach (var attr in path.Pattrs)
        {
            if (attr.AttrCase == Attribute.AttrOneofCase.NextHop && IPAddress.TryParse(attr.NextHop.NextHop, out var a)) return a;
            if (attr.AttrCase == Attribute.AttrOneofCase.MpReach && attr.MpReach.NextHops.Count > 0
                && IPAddress.TryParse(attr.MpReach.NextHops[0], out var b)) return b;
        }
        return null;
    }

    public static BgpPeer? PeerOf(Peer? peer) => peer is null ? null : new BgpPeer(
        peer.State?.NeighborAddress ?? "",
        (BgpSessionState)(int)(peer.State?.SessionState ?? PeerState.Types.SessionState.Unspecified),
        peer.Transport?.LocalAddress ?? "");
}
