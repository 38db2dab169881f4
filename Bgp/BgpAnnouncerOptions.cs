using System.Net;

namespace Purelb.Bgp;

public sealed record BgpAnnouncerOptions
{
    /// <summary>False while k8gobgp's netlink import announces kube-lb0 instead (docs/bgp.md): the announcer then
    /// withdraws what it had added and stays disconnected, keeping the desired set for when it is enabled again.</summary>
    public bool Enabled { get; init; } = true;

    public BgpEndpoint Endpoint { get; init; } = BgpEndpoint.Parse(BgpEndpoint.Default);

    /// <summary>Null = detect the API generation on every connect.</summary>
    public GobgpApiVersion? Version { get; init; }

    /// <summary>Next hop of IPv4 announcements; the default 0.0.0.0 means "self" (GoBGP puts in the local
    /// address of each peering).</summary>
    public IPAddress Ipv4NextHop { get; init; } = IPAddress.Any;

    /// <summary>The node's global IPv6 address. Required for IPv6 prefixes: an unspecified IPv6 next hop is
    /// turned into an IPv4 address over IPv4 peerings and dropped by routers. Without it IPv6 prefixes are
    /// not announced and <see cref="BgpAnnouncerStatus.LastError"/> says why.</summary>
    public IPAddress? Ipv6NextHop { get; init; }

    /// <summary>How often the RIB is re-read and corrected, besides after every (re)connect.</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan ReconnectMinDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often GetBgp is asked again while BGP is not started yet (k8gobgp still starting).</summary>
    public TimeSpan NotStartedPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Delay before retrying prefixes the daemon refused.</summary>
    public TimeSpan FailedRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the daemon may be unreachable (k8gobgp restarting) before <see cref="BgpAnnouncer.AnnounceFailed"/>
    /// reports the outage.</summary>
    public TimeSpan OutageReportAfter { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>A snapshot for health checks and <c>purelb debug</c>.</summary>
/// <param name="Sessions">How many times a connection became ready (1 after start; more after daemon restarts).</param>
/// <param name="ImportedDuplicates">Desired prefixes that gobgpd also holds as netlink-imported paths at the last
/// RIB read: both mechanisms are on (docs/bgp.md) and withdrawals will not take those routes down.</param>
/// <param name="Enabled">False in netlink-import mode: not ready by design, nothing to report.</param>
/// <param name="Endpoint">The daemon this status is about.</param>
public sealed record BgpAnnouncerStatus(
    bool Ready, GobgpApiVersion? Version, int Desired, int Announced, long Sessions, string? LastError,
    DateTimeOffset? LastReconcile, int ImportedDuplicates, bool Enabled = true, string Endpoint = "");

/// <summary>Prefixes gobgpd did not take (or could not be asked to take: the daemon is unreachable).</summary>
/// <param name="Message">Names the daemon's endpoint and the error.</param>
public sealed record BgpAnnounceFailure(IReadOnlyList<System.Net.IPNetwork> Prefixes, string Message);
