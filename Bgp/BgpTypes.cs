using System.Net;
using System.Net.Sockets;

namespace Purelb.Bgp;

/// <summary>A locally originated route as we hand it to gobgpd: one prefix, one next hop, origin IGP.</summary>
public readonly record struct BgpRoute(IPNetwork Prefix, IPAddress NextHop)
{
    public AddressFamily Family => Prefix.BaseAddress.AddressFamily;

    /// <summary>GoBGP replaces an unspecified IPv4 next hop with the local address of each peering.</summary>
    public static readonly IPAddress Ipv4NextHopSelf = IPAddress.Any;

    public override string ToString() => $"{Prefix} via {NextHop}";
}

/// <summary>What the daemon reports about its BGP instance; <see cref="Asn"/> 0 means StartBgp has not happened.</summary>
public sealed record BgpGlobal(uint Asn, string RouterId)
{
    public bool IsStarted => Asn != 0;
}

/// <summary>One path of gobgpd's global RIB, in API-independent form.</summary>
/// <param name="Neighbor">The peer it came from; empty (or v3's "&lt;nil&gt;") for paths originated on this daemon.</param>
/// <param name="IsFromExternal">Set on paths gobgpd imported itself (k8gobgp's netlink import), which we never touch.</param>
public sealed record BgpRibPath(IPNetwork Prefix, IPAddress? NextHop, string Neighbor, bool IsFromExternal, bool IsBest)
{
    /// <summary>Originated on this daemon through the API (AddPath), not learned from a peer nor imported.</summary>
    public bool IsOwnedByApi => IsLocal && !IsFromExternal;

    public bool IsLocal => Neighbor.Length == 0 || Neighbor == "<nil>";
}

/// <summary>BGP FSM states; numbers as in GoBGP's PeerState.SessionState (same in v3 and v4).</summary>
public enum BgpSessionState
{
    Unknown = 0,
    Idle = 1,
    Connect = 2,
    Active = 3,
    OpenSent = 4,
    OpenConfirm = 5,
    Established = 6,
}

public sealed record BgpPeer(string Address, BgpSessionState State, string LocalAddress);

public enum BgpPeerEventKind
{
    Unknown = 0,
    /// <summary>Replay of a peer that existed when the watch started.</summary>
    Init = 1,
    /// <summary>The replay is over; what follows is live.</summary>
    EndOfInit = 2,
    State = 3,
}

public sealed record BgpPeerEvent(BgpPeerEventKind Kind, BgpPeer? Peer);
