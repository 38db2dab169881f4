using Purelb.Modes.Agent.Model;
using Purelb.Netlink;

namespace Purelb.Modes.Agent.Remote;

public sealed record RemoteAnnouncerOptions
{
    public const string DefaultLinkName = "kube-lb0";

    /// <summary><c>spec.local.dummyInterface</c>; kube-lb0 by default.</summary>
    public string LinkName { get; init; } = DefaultLinkName;

    /// <summary>From <c>addressConfig.dummyInterface</c>: permanent, with a prefix route, by default.</summary>
    public AddressOptions AddressOptions { get; init; } = AddressOptions.ForDummy(null);

    /// <summary>IPv6 next hop of BGP announcements; null = the node's global IPv6 address, followed as it changes.</summary>
    public System.Net.IPAddress? Ipv6NextHop { get; init; }

    /// <summary>How soon a missing link or a failed address change is tried again.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the interface is compared with the desired set even without a kernel event.</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The namespace the change monitor subscribes in: the one the <see cref="RtNetlink"/> was opened in
    /// (null: the process's own).</summary>
    public NetworkNamespace? Namespace { get; init; }
}
