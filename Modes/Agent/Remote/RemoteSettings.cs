using System.Net;
using System.Net.Sockets;
using Purelb.Bgp;
using Purelb.Kube.Crd;
using Purelb.Modes.Agent.Model;

namespace Purelb.Modes.Agent.Remote;

/// <summary>
/// The remote path's effective settings: the LBNodeAgent's <c>spec.local</c> (dummy interface, its address options,
/// <c>remoteAnnouncement</c>) over the agent's flags. A field that does not parse keeps the flag's value and is named
/// in <see cref="Problems"/>, so one bad field never stops the node announcing.
/// </summary>
public sealed record RemoteSettings(RemoteAnnouncerOptions Remote, BgpAnnouncerOptions Bgp, IReadOnlyList<string> Problems)
{
    /// <param name="local">The effective LBNodeAgent's <c>spec.local</c>; null = flags only.</param>
    /// <param name="remoteDefaults">What the agent was started with (flags).</param>
    /// <param name="bgpDefaults">Likewise for BGP: <c>--bgp-mode</c> decides <see cref="BgpAnnouncerOptions.Enabled"/>.</param>
    public static RemoteSettings From(LBNodeAgentLocalSpec? local, RemoteAnnouncerOptions remoteDefaults, BgpAnnouncerOptions bgpDefaults)
    {
        var problems = new List<string>();
        var remote = remoteDefaults;
        var bgp = bgpDefaults;
        if (local is null) return new RemoteSettings(remote, bgp, problems);

        if (!string.IsNullOrEmpty(local.DummyInterface)) remote = remote with { LinkName = local.DummyInterface };
        if (local.AddressConfig?.DummyInterface is { } a)
            remote = remote with { AddressOptions = AddressOptions.ForDummy(new Model.InterfaceAddressConfig(a.ValidLifetime, a.PreferredLifetime, a.NoPrefixRoute)) };

        if (local.RemoteAnnouncement is { } ra)
        {
            switch (ra.Mode)
            {
                case null or "":
                    break;
                case RemoteAnnouncementConfig.GobgpApi:
                    bgp = bgp with { Enabled = true };
                    break;
                case RemoteAnnouncementConfig.NetlinkImport:
                    bgp = bgp with { Enabled = false };
                    break;
                default:
                    problems.Add($"spec.local.remoteAnnouncement.mode: \"{ra.Mode}\" is neither {RemoteAnnouncementConfig.GobgpApi} nor {RemoteAnnouncementConfig.NetlinkImport}");
                    break;
            }
            if (!string.IsNullOrWhiteSpace(ra.GobgpEndpoint))
            {
                if (BgpEndpoint.TryParse(ra.GobgpEndpoint, out var endpoint, out var error)) bgp = bgp with { Endpoint = endpoint };
                else problems.Add("spec.local.remoteAnnouncement.gobgpEndpoint: " + error);
            }
            switch (ra.Ipv6NextHop?.Trim())
            {
                case null or "" or RemoteAnnouncementConfig.AutoNextHop:
                    remote = remote with { Ipv6NextHop = null };
                    break;
                case var text when IPAddress.TryParse(text, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6
                                                                       && !ip.IsIPv6LinkLocal && !ip.Equals(IPAddress.IPv6Any):
                    remote = remote with { Ipv6NextHop = ip };
                    break;
                case var text:
                    problems.Add($"spec.local.remoteAnnouncement.ipv6NextHop: \"{text}\" is neither auto nor a global IPv6 address");
                    break;
            }
            if (ra.ResyncSeconds is { } seconds)
            {
                if (seconds >= 1) bgp = bgp with { ResyncInterval = TimeSpan.FromSeconds(seconds) };
                else problems.Add($"spec.local.remoteAnnouncement.resyncSeconds: must be 1 or more, got {seconds}");
            }
        }
        return new RemoteSettings(remote, bgp, problems);
    }
}
