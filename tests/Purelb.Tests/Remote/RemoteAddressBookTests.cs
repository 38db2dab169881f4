using System.Net;
using Purelb.Ipam;
using Purelb.Modes.Agent.Model;
using Purelb.Tests.Ipam;
using Xunit;

namespace Purelb.Tests.RemoteAnnounce;

public sealed class RemoteAddressBookTests
{
    private static RemoteAddress R(string text)
    {
        var parts = text.Split('/');
        return new RemoteAddress(IPAddress.Parse(parts[0]), int.Parse(parts[1]));
    }

    private static IPNetwork N(string text) => IPNetwork.Parse(text);

    [Theory]
    [InlineData("198.51.100.77/32", "198.51.100.77/32")]
    [InlineData("198.51.100.77/24", "198.51.100.0/24")]
    [InlineData("198.51.100.77/26", "198.51.100.64/26")]
    [InlineData("198.51.100.77/8", "198.0.0.0/8")]
    [InlineData("2001:db8:5::77/128", "2001:db8:5::77/128")]
    [InlineData("2001:db8:5::77/64", "2001:db8:5::/64")]
    [InlineData("2001:db8:5:ff00::77/56", "2001:db8:5:ff00::/56")]
    [InlineData("2001:db8:5:ffff::77/52", "2001:db8:5:f000::/52")]
    public void Prefix_clears_the_host_bits_of_the_aggregation_length(string address, string prefix) =>
        Assert.Equal(N(prefix), R(address).Prefix);

    [Fact]
    public void Mapped_ipv6_is_held_as_ipv4_and_host_lengths_follow_the_family()
    {
        Assert.Equal(R("192.0.2.1/32"), RemoteAddress.Host(IPAddress.Parse("::ffff:192.0.2.1")));
        Assert.Equal(128, RemoteAddress.Host(IPAddress.Parse("2001:db8::1")).PrefixLength);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RemoteAddress(IPAddress.Parse("192.0.2.1"), 33));
    }

    [Fact]
    public void Shared_address_stays_until_the_last_service_releases_it()
    {
        var book = new RemoteAddressBook();
        var a = book.Set("default/a", [R("198.51.100.5/32")]);
        Assert.Equal([R("198.51.100.5/32")], a.Added);
        var b = book.Set("default/b", [R("198.51.100.5/32")]);
        Assert.True(b.IsEmpty);
        Assert.Equal(["default/a", "default/b"], book.HoldersOf(IPAddress.Parse("198.51.100.5")));

        Assert.True(book.Remove("default/a").IsEmpty);
        Assert.Contains(R("198.51.100.5/32"), book.Desired);

        var last = book.Remove("default/b");
        Assert.Equal([R("198.51.100.5/32")], last.Removed);
        Assert.Empty(book.Desired);
        Assert.Empty(book.Services);
    }

    [Fact]
    public void Addresses_dropped_from_a_service_are_released_and_new_ones_added_in_one_update()
    {
        var book = new RemoteAddressBook();
        book.Set("default/a", [R("198.51.100.5/32"), R("2001:db8:5::5/128")]);
        var change = book.Set("default/a", [R("2001:db8:5::5/128"), R("198.51.100.6/32")]);
        Assert.Equal([R("198.51.100.6/32")], change.Added);
        Assert.Equal([R("198.51.100.5/32")], change.Removed);
        Assert.Empty(change.Changed);
        Assert.Equal(2, book.Count);
    }

    [Fact]
    public void Aggregated_services_share_one_prefix_each_with_its_own_address()
    {
        var book = new RemoteAddressBook();
        book.Set("default/a", [R("198.51.100.70/26")]);
        book.Set("default/b", [R("198.51.100.80/26"), R("2001:db8:5::9/64")]);
        Assert.Equal(2 + 1, book.Count);
        Assert.Equal([N("198.51.100.64/26")], book.PrefixesOf("default/a"));
        Assert.Equal([N("198.51.100.64/26"), N("2001:db8:5::/64")], book.PrefixesOf("default/b"));
        Assert.Empty(book.PrefixesOf("default/none"));
    }

    [Fact]
    public void Holders_disagreeing_on_the_length_resolve_to_the_first_service_key_in_any_order()
    {
        var one = new RemoteAddressBook();
        one.Set("ns/b", [R("198.51.100.5/24")]);
        var change = one.Set("ns/a", [R("198.51.100.5/32")]);
        Assert.Equal([(R("198.51.100.5/24"), R("198.51.100.5/32"))], change.Changed);

        var two = new RemoteAddressBook();
        two.Set("ns/a", [R("198.51.100.5/32")]);
        Assert.True(two.Set("ns/b", [R("198.51.100.5/24")]).IsEmpty);
        Assert.Equal(one.Desired, two.Desired);

        // The decisive holder leaves: the other's length applies.
        var after = one.Remove("ns/a");
        Assert.Equal([(R("198.51.100.5/32"), R("198.51.100.5/24"))], after.Changed);
    }

    [Fact]
    public void Setting_the_same_set_again_changes_nothing()
    {
        var book = new RemoteAddressBook();
        book.Set("default/a", [R("198.51.100.5/32")]);
        Assert.True(book.Set("default/a", [R("198.51.100.5/32")]).IsEmpty);
        Assert.True(book.Remove("default/missing").IsEmpty);
    }

    private static IpamConfig PoolConfig() => Fx.Config(
        Fx.Local("a-local", v4: [Fx.P("192.168.10.0/24")]),
        Fx.Remote("host", v4: [Fx.P("198.51.100.0/28", aggregation: "/32")], v6: [Fx.P("2001:db8:5::/120", "2001:db8:5::/64", "/128")]),
        Fx.Remote("agg", v4: [Fx.P("198.51.100.64/26", "198.51.100.0/24", "default")], v6: [Fx.P("2001:db8:6::/120", "2001:db8:6::/64")]),
        Fx.Remote("wide", v4: [Fx.P("203.0.113.10-203.0.113.20", "203.0.113.0/24", "/25")]),
        Fx.External("ext", announce: "remote"),
        Fx.External("ext-local", announce: "local"));

    [Theory]
    [InlineData("198.51.100.3", null, "198.51.100.3/32")]
    [InlineData("2001:db8:5::7", null, "2001:db8:5::7/128")]
    [InlineData("198.51.100.70", null, "198.51.100.70/24")]   // default = the subnet's mask, not the range's
    [InlineData("2001:db8:6::7", null, "2001:db8:6::7/64")]    // no aggregation written = default
    [InlineData("203.0.113.15", null, "203.0.113.15/25")]
    [InlineData("100.64.0.9", "ext", "100.64.0.9/32")]         // external, announce remote: host route
    public void Remote_pools_give_the_aggregation_length(string ip, string? from, string expected)
    {
        Assert.Equal(RemoteResolution.Remote, RemotePoolResolver.Resolve(PoolConfig(), IPAddress.Parse(ip), from, out var remote));
        Assert.Equal(R(expected), remote);
    }

    [Theory]
    [InlineData("192.168.10.5", null, RemoteResolution.Local)]
    [InlineData("100.64.0.9", "ext-local", RemoteResolution.Local)]
    [InlineData("10.9.9.9", null, RemoteResolution.Unknown)]
    [InlineData("10.9.9.9", "no-such-group", RemoteResolution.Unknown)]
    public void Other_addresses_are_not_remote(string ip, string? from, RemoteResolution expected) =>
        Assert.Equal(expected, RemotePoolResolver.Resolve(PoolConfig(), IPAddress.Parse(ip), from, out _));
}
