using System.Net;
using Purelb.Bgp;
using Purelb.Kube.Crd;
using Purelb.Modes.Agent.Model;
using Purelb.Modes.Agent.Remote;
using Xunit;

namespace Purelb.Tests.RemoteAnnounce;

/// <summary>LBNodeAgent <c>spec.local</c> over the agent's flags, for the remote path.</summary>
public sealed class RemoteSettingsTests
{
    private static readonly RemoteAnnouncerOptions RemoteFlags = new();
    private static readonly BgpAnnouncerOptions BgpFlags = new() { Enabled = true, Endpoint = BgpEndpoint.Parse("unix:///run/flag.sock") };

    private static RemoteSettings From(LBNodeAgentLocalSpec? local, BgpAnnouncerOptions? bgp = null) =>
        RemoteSettings.From(local, RemoteFlags, bgp ?? BgpFlags);

    [Fact]
    public void No_node_agent_means_the_flags()
    {
        var s = From(null);
        Assert.Same(RemoteFlags, s.Remote);
        Assert.Same(BgpFlags, s.Bgp);
        Assert.Empty(s.Problems);
        Assert.Equal(RemoteAnnouncerOptions.DefaultLinkName, From(new LBNodeAgentLocalSpec()).Remote.LinkName);
    }

    [Fact]
    public void Dummy_interface_name_and_its_address_config_reach_the_remote_announcer()
    {
        var s = From(new LBNodeAgentLocalSpec
        {
            DummyInterface = "lb-remote",
            AddressConfig = new AddressConfig
            {
                DummyInterface = new Purelb.Kube.Crd.InterfaceAddressConfig { ValidLifetime = 30, NoPrefixRoute = true },
                LocalInterface = new Purelb.Kube.Crd.InterfaceAddressConfig { ValidLifetime = 900 },
            },
        });
        Assert.Equal("lb-remote", s.Remote.LinkName);
        // 1..59 s is raised to 60; renewal every half lifetime but not more often than 30 s.
        Assert.Equal(TimeSpan.FromSeconds(60), s.Remote.AddressOptions.ValidLifetime);
        Assert.True(s.Remote.AddressOptions.NoPrefixRoute);
        Assert.Equal(TimeSpan.FromSeconds(30), s.Remote.AddressOptions.RenewInterval);
        Assert.Empty(s.Problems);
    }

    [Fact]
    public void Remote_announcement_picks_the_mechanism_the_endpoint_the_next_hop_and_the_resync()
    {
        var s = From(new LBNodeAgentLocalSpec
        {
            RemoteAnnouncement = new RemoteAnnouncementConfig
            {
                Mode = "netlinkImport",
                GobgpEndpoint = "127.0.0.1:50051",
                Ipv6NextHop = "2001:db8::42",
                ResyncSeconds = 7,
            },
        });
        Assert.False(s.Bgp.Enabled);
        Assert.Equal("127.0.0.1:50051", s.Bgp.Endpoint.ToString());
        Assert.Equal(IPAddress.Parse("2001:db8::42"), s.Remote.Ipv6NextHop);
        Assert.Equal(TimeSpan.FromSeconds(7), s.Bgp.ResyncInterval);
        Assert.Empty(s.Problems);

        var api = From(new LBNodeAgentLocalSpec { RemoteAnnouncement = new RemoteAnnouncementConfig { Mode = "gobgpAPI", Ipv6NextHop = "auto" } },
            BgpFlags with { Enabled = false });
        Assert.True(api.Bgp.Enabled);
        Assert.Null(api.Remote.Ipv6NextHop);
        Assert.Equal("unix:///run/flag.sock", api.Bgp.Endpoint.ToString());
    }

    [Theory]
    [InlineData("""{"mode":"bird"}""", "remoteAnnouncement.mode")]
    [InlineData("""{"gobgpEndpoint":"https://gobgp:50051"}""", "remoteAnnouncement.gobgpEndpoint")]
    [InlineData("""{"ipv6NextHop":"192.0.2.1"}""", "remoteAnnouncement.ipv6NextHop")]
    [InlineData("""{"ipv6NextHop":"fe80::1"}""", "remoteAnnouncement.ipv6NextHop")]
    [InlineData("""{"resyncSeconds":0}""", "remoteAnnouncement.resyncSeconds")]
    public void A_bad_field_keeps_the_flag_value_and_is_named(string json, string field)
    {
        var ra = System.Text.Json.JsonSerializer.Deserialize(json, CrdJsonContext.Default.RemoteAnnouncementConfig)!;
        var s = From(new LBNodeAgentLocalSpec { RemoteAnnouncement = ra });
        Assert.Contains(s.Problems, p => p.Contains(field, StringComparison.Ordinal));
        Assert.Equal(BgpFlags.Enabled, s.Bgp.Enabled);
        Assert.Equal(BgpFlags.Endpoint, s.Bgp.Endpoint);
        Assert.Equal(BgpFlags.ResyncInterval, s.Bgp.ResyncInterval);
        Assert.Null(s.Remote.Ipv6NextHop);
    }

    [Fact]
    public void The_crd_round_trips_remote_announcement()
    {
        const string json = """
            {"apiVersion":"purelb.io/v2","kind":"LBNodeAgent","metadata":{"name":"default","namespace":"purelb-system"},
             "spec":{"local":{"dummyInterface":"kube-lb0","remoteAnnouncement":{"mode":"gobgpAPI","gobgpEndpoint":"unix:///var/run/gobgp/gobgp.sock","ipv6NextHop":"auto","resyncSeconds":30}}}}
            """;
        var agent = System.Text.Json.JsonSerializer.Deserialize(json, CrdJsonContext.Default.LBNodeAgent)!;
        var ra = agent.Spec.Local!.RemoteAnnouncement!;
        Assert.Equal(("gobgpAPI", "unix:///var/run/gobgp/gobgp.sock", "auto", 30), (ra.Mode, ra.GobgpEndpoint, ra.Ipv6NextHop, ra.ResyncSeconds));
        Assert.Empty(Purelb.Kube.Crd.LBNodeAgentRules.Check(agent));
    }
}
