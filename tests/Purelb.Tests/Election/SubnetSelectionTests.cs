using System.Net.Sockets;
using Purelb.Election;
using Xunit;
using static Purelb.Tests.Election.NetworkFactsFixture;

namespace Purelb.Tests.Election;

public class SubnetSelectionTests
{
    private static InterfaceSelector Configured(string? localInterface, string[]? interfaces = null, string? dummy = "kube-lb0")
    {
        var s = InterfaceSelector.FromLocalSpec(localInterface, interfaces, dummy, out var error);
        Assert.Null(error);
        return s!;
    }

    [Fact]
    public void Default_route_interface_is_the_lowest_metric_in_the_main_table()
    {
        var facts = Host();
        Assert.Equal("eth0", facts.DefaultRouteLink(AddressFamily.InterNetwork)!.Name);
        Assert.Equal("eth0", facts.DefaultRouteLink(AddressFamily.InterNetworkV6)!.Name);
        Assert.Null(NodeNetworkFacts.Empty.DefaultRouteLink(AddressFamily.InterNetwork));
        // A multipath default (no output interface) with the best metric cannot be used.
        var multipath = Host(new RouteFacts(AddressFamily.InterNetworkV6, 0, null, 1));
        Assert.Null(multipath.DefaultRouteLink(AddressFamily.InterNetworkV6));
    }

    public static TheoryData<string, string?, string[]?, string> Selections => new()
    {
        { "default", "default", null, "eth0" },
        { "empty means default", "", null, "eth0" },
        { "regex is unanchored, skips loopback and the dummy", "e", null, "eth0,eth1,veth12" },
        { "anchored regex", "^eth", null, "eth0,eth1" },
        { "regex matching the dummy only", "kube", null, "" },
        { "extra interfaces are unioned, missing ones skipped", "default", ["eth1", "nope", "kube-lb0", ""], "eth0,eth1" },
        { "regex plus list", "^veth", ["eth1"], "eth1,veth12" },
    };

    [Theory]
    [MemberData(nameof(Selections))]
    public void Interface_selection(string _, string? localInterface, string[]? interfaces, string expected) =>
        Assert.Equal(expected, string.Join(",", Configured(localInterface, interfaces).SelectLinks(Host())));

    [Theory]
    [InlineData("eth(")]
    [InlineData("(?=eth)")]   // look-ahead: RE2 rejects it, so must we
    [InlineData(@"(e)\1")]    // back-reference
    public void Invalid_or_non_re2_patterns_are_rejected(string pattern)
    {
        Assert.Null(InterfaceSelector.FromLocalSpec(pattern, null, "kube-lb0", out var error));
        Assert.Contains(pattern, error);
    }

    [Fact]
    public void Subnets_of_the_default_interface_skip_unusable_ipv6()
    {
        // 2001:db8:1::/64 is tentative, 2001:db8:2::/64 is one of our deprecated VIPs, fe80::/64 is link-local.
        Assert.Equal("192.168.1.0/24,2001:db8::/64", AdvertisedSubnets.Annotation(InterfaceSelector.DefaultRoute, Host()));
        Assert.Equal("192.168.1.0/24,2001:db8::/64", AdvertisedSubnets.Annotation(Configured("default"), Host()));
    }

    [Fact]
    public void A_default_route_interface_advertises_only_the_family_of_its_default_route()
    {
        // IPv4 default via eth1, IPv6 default via eth0: eth0's IPv4 subnet is not served by the announcer
        // (it resolves IPv4 addresses on eth1 only), so it must not be advertised either.
        var split = Host(new RouteFacts(AddressFamily.InterNetwork, 0, 3, 1));
        Assert.Equal("eth1", split.DefaultRouteLink(AddressFamily.InterNetwork)!.Name);
        Assert.Equal("10.0.0.0/24,2001:db8::/64", AdvertisedSubnets.Annotation(Configured("default"), split));
        // Listed explicitly, eth0 serves both families again.
        Assert.Equal("10.0.0.0/24,192.168.1.0/24,2001:db8::/64", AdvertisedSubnets.Annotation(Configured("default", ["eth0"]), split));
    }

    [Fact]
    public void Subnets_follow_the_selector()
    {
        Assert.Equal("10.0.0.0/24,172.16.0.0/30,192.168.1.0/24,2001:db8::/64", AdvertisedSubnets.Annotation(Configured("e"), Host()));
        Assert.Equal("", AdvertisedSubnets.Annotation(InterfaceSelector.Nothing, Host()));
        Assert.Equal("", AdvertisedSubnets.Annotation(Configured("^nomatch$"), Host()));
        // The loopback never contributes, even when named explicitly by a regex that matches it.
        Assert.Equal("", AdvertisedSubnets.Annotation(Configured("^lo$"), Host()));
    }
}
