using System.Net;
using System.Net.Sockets;
using Purelb.Election;

namespace Purelb.Tests.Election;

/// <summary>A small host: loopback, two NICs, a veth and the dummy, with IPv4/IPv6 addresses and routes.</summary>
internal static class NetworkFactsFixture
{
    public static AddressFacts Addr(int link, string cidr, AddressFlags flags = AddressFlags.None, double? valid = null, double? preferred = null)
    {
        var parts = cidr.Split('/');
        return new AddressFacts(link, IPAddress.Parse(parts[0]), int.Parse(parts[1]), flags,
            valid is { } v ? TimeSpan.FromSeconds(v) : null, preferred is { } p ? TimeSpan.FromSeconds(p) : null);
    }

    public static NodeNetworkFacts Host(params RouteFacts[] extraRoutes) => new(
        [
            new LinkFacts(1, "lo", IsLoopback: true),
            new LinkFacts(2, "eth0", false),
            new LinkFacts(3, "eth1", false),
            new LinkFacts(4, "veth12", false),
            new LinkFacts(5, "kube-lb0", false),
        ],
        [
            Addr(1, "127.0.0.1/8"),
            Addr(1, "::1/128"),
            Addr(2, "192.168.1.50/24"),
            Addr(2, "2001:db8::50/64"),
            Addr(2, "fe80::1/64"),
            Addr(2, "2001:db8:1::5/64", AddressFlags.Tentative),
            Addr(2, "2001:db8:2::5/64", AddressFlags.Deprecated | AddressFlags.NoPrefixRoute, 300, 0),
            Addr(3, "10.0.0.5/24"),
            Addr(4, "172.16.0.1/30"),
            Addr(5, "198.51.100.1/32"),
        ],
        [
            new RouteFacts(AddressFamily.InterNetwork, 0, 3, 200),
            new RouteFacts(AddressFamily.InterNetwork, 0, 2, 100),
            new RouteFacts(AddressFamily.InterNetwork, 0, 3, 0, Table: 100),
            new RouteFacts(AddressFamily.InterNetwork, 24, 3, 0),
            new RouteFacts(AddressFamily.InterNetworkV6, 0, 2, 1024),
            .. extraRoutes,
        ]);
}
