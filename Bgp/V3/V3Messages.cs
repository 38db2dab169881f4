using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Purelb.Bgp.Protos.V3;
using V3Path = Purelb.Bgp.Protos.V3.Path;

namespace Purelb.Bgp.V3;

/// <summary>Builds and reads v3 (apipb) messages: NLRI and attributes travel as google.protobuf.Any.</summary>
internal static class V3Messages
{
    private const uint OriginIgp = 0;

    public static Family FamilyOf(AddressFamily family) => family == AddressFamily.InterNetworkV6
        ? new Family { Afi = Family.Types.Afi.Ip6, Safi = Family.Types.Safi.Unicast }
        : new Family { Afi = Family.Types.Afi.Ip, Safi = Family.Types.Safi.Unicast };

    /// <summary>The path for a route: IPv4 carries NEXT_HOP, IPv6 an MP_REACH_NLRI with the same prefix.</summary>
    public static V3Path PathOf(BgpRoute route)
    {
        var prefix = Any.Pack(new IPAddressPrefix
        {
            PrefixLen = (uint)route.Prefix.PrefixLength,
            Prefix = route.Prefix.BaseAddress.ToString(),
        });
        var path = new V3Path { Nlri = prefix, Family = FamilyOf(route.Family) };
        path.Pattrs.Add(Any.Pack(new OriginAttribute { Origin = OriginIgp }));
        if (route.Family == AddressFamily.InterNetworkV6)
        {
            var reach = new MpReachNLRIAttribute { Family = FamilyOf(AddressFamily.InterNetworkV6) };
            reach.NextHops.Add(route.NextHop.ToString());
            reach.Nlris.Add(prefix);
            path.Pattrs.Add(Any.Pack(reach));
        }
        else
        {
            path.Pattrs.Add(Any.Pack(new NextHopAttribute { NextHop = route.NextHop.ToString() }));
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

    public static IPAddress? NextHopOf(V3Path path)
    {
        foreach (var attr in path.Pattrs)
        {
            if (attr.TryUnpack<NextHopAttribute>(out var nh) && IPAddress.TryParse(nh.NextHop, out var a)) return a;
            if (attr.TryUnpack<MpReachNLRIAttribute>(out var reach) && reach.NextHops.Count > 0
                && IPAddress.TryParse(reach.NextHops[0], out var b)) return b;
        }
        return null;
    }

    public static BgpPeer? PeerOf(Peer? peer) => peer is null ? null : new BgpPeer(
        peer.State?.NeighborAddress ?? "",
        (BgpSessionState)(int)(peer.State?.SessionState ?? PeerState.Types.SessionState.Unknown),
        peer.Transport?.LocalAddress ?? "");
}
