using Purelb.Netlink.Route;

namespace Purelb.Netlink;

/// <summary>A change notification from the kernel, or the signal that some were lost.</summary>
public abstract record NetlinkEvent;

/// <summary>RTM_NEWLINK (<paramref name="Removed"/> false) or RTM_DELLINK.</summary>
public sealed record LinkEvent(bool Removed, LinkInfo Link) : NetlinkEvent;

/// <summary>RTM_NEWADDR (<paramref name="Removed"/> false: added or changed) or RTM_DELADDR.</summary>
public sealed record AddressEvent(bool Removed, AddressInfo Address) : NetlinkEvent;

/// <summary>
/// Notifications were lost (the socket overran with ENOBUFS, a message would not decode, or the consumer fell
/// behind): the state the consumer derived from events is stale, so it must dump links and addresses again.
/// </summary>
public sealed record ResyncNeeded(string Reason) : NetlinkEvent;
