using System.Net;
using System.Net.Sockets;
using Purelb.Netlink;
using Xunit;

namespace Purelb.Tests.Netlink;

/// <summary>Default-route interface discovery, single and multipath, against `ip route` set-ups.</summary>
[Trait("Category", "Kernel")]
public sealed class RouteServiceTests : IDisposable
{
    private readonly TestNamespace _ns = new();
    private readonly RtNetlink _rtnl;
    private readonly int _v0;
    private readonly int _v2;

    public RouteServiceTests()
    {
        _ns.Ip("link add v0 type veth peer name v1");
        _ns.Ip("link add v2 type veth peer name v3");
        foreach (var l in new[] { "v0", "v1", "v2", "v3" }) _ns.Ip($"link set {l} up");
        _ns.Ip("addr add 10.1.0.2/24 dev v0");
        _ns.Ip("addr add 10.2.0.2/24 dev v2");
        _ns.Ip("addr add fd01::2/64 dev v0 nodad");
        _ns.Ip("addr add fd02::2/64 dev v2 nodad");
        _v0 = _ns.IfIndex("v0");
        _v2 = _ns.IfIndex("v2");
        _rtnl = RtNetlink.Open(_ns.Namespace);
    }

    public void Dispose()
    {
        _rtnl.Dispose();
        _ns.Dispose();
    }

    [Fact]
    public void No_default_route_means_no_interface()
    {
        Assert.Null(_rtnl.Routes.GetDefaultInterface(AddressFamily.InterNetwork));
        Assert.Empty(_rtnl.Routes.GetDefaultInterfaces(AddressFamily.InterNetworkV6));
        // The connected routes are still listed (main table, not cloned).
        Assert.Contains(_rtnl.Routes.List(AddressFamily.InterNetwork), r => r.DestinationLength == 24 && r.OutputInterface == _v0);
    }

    [Fact]
    public void Single_default_route_per_family()
    {
        _ns.Ip("route add default via 10.2.0.1 dev v2");
        _ns.Ip("-6 route add default via fd01::1 dev v0");
        Assert.Equal(_v2, _rtnl.Routes.GetDefaultInterface(AddressFamily.InterNetwork));
        Assert.Equal(_v0, _rtnl.Routes.GetDefaultInterface(AddressFamily.InterNetworkV6));
        var route = Assert.Single(_rtnl.Routes.GetDefaultRoutes(AddressFamily.InterNetwork));
        Assert.Equal(IPAddress.Parse("10.2.0.1"), route.NextHops[0].Gateway);
    }

    [Fact]
    public void Lowest_metric_default_wins()
    {
        _ns.Ip("route add default via 10.1.0.1 dev v0 metric 200");
        _ns.Ip("route add default via 10.2.0.1 dev v2 metric 100");
        Assert.Equal(_v2, _rtnl.Routes.GetDefaultInterface(AddressFamily.InterNetwork));
        Assert.Equal([100u, 200u], _rtnl.Routes.GetDefaultRoutes(AddressFamily.InterNetwork).Select(r => r.Priority));
    }

    [Fact]
    public void Multipath_default_routes_give_every_next_hop_interface()
    {
        _ns.Ip("route add default nexthop via 10.1.0.1 dev v0 weight 1 nexthop via 10.2.0.1 dev v2 weight 3");
        _ns.Ip("-6 route add default nexthop via fd01::1 dev v0 nexthop via fd02::1 dev v2");
        Assert.Equal([_v0, _v2], _rtnl.Routes.GetDefaultInterfaces(AddressFamily.InterNetwork));
        var route = Assert.Single(_rtnl.Routes.GetDefaultRoutes(AddressFamily.InterNetwork));
        Assert.Equal([1, 3], route.NextHops.Select(h => (int)h.Weight));
        Assert.Equal(IPAddress.Parse("10.2.0.1"), route.NextHops[1].Gateway);
        Assert.Equal([_v0, _v2], _rtnl.Routes.GetDefaultInterfaces(AddressFamily.InterNetworkV6).Order());
        Assert.Equal(_v0, _rtnl.Routes.GetDefaultInterface(AddressFamily.InterNetwork));
    }
}
