using System.Net;
using Purelb.Modes.Agent.Model;
using Xunit;

namespace Purelb.Tests.Agent;

public class ServiceAddressIndexTests
{
    private static readonly IPAddress A = IPAddress.Parse("192.0.2.10");
    private static readonly IPAddress B = IPAddress.Parse("192.0.2.11");

    private static KeyValuePair<IPAddress, string>[] Wishes(params (IPAddress Ip, string Wish)[] wishes) =>
        wishes.Select(w => new KeyValuePair<IPAddress, string>(w.Ip, w.Wish)).ToArray();

    [Fact]
    public void Holders_stay_in_ordinal_order_and_the_first_holder_wish_applies()
    {
        var index = new ServiceAddressIndex<string>();
        index.Replace("ns/c", Wishes((A, "c")));
        index.Replace("ns/a", Wishes((A, "a")));
        index.Replace("ns/b", Wishes((A, "b"), (B, "b")));

        Assert.Equal(["ns/a", "ns/b", "ns/c"], index.HoldersOf(A));
        Assert.True(index.TryGetEffective(A, out var wish));
        Assert.Equal("a", wish);

        index.Replace("ns/a", []);
        Assert.Equal(["ns/b", "ns/c"], index.HoldersOf(A));
        Assert.True(index.TryGetEffective(A, out wish));
        Assert.Equal("b", wish);
        Assert.Equal(["ns/b", "ns/c"], index.Services.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Replace_reports_every_address_held_before_or_now_once_and_releases_the_last_holder()
    {
        var index = new ServiceAddressIndex<string>();
        Assert.Equal([A], index.Replace("ns/x", Wishes((A, "x"))));
        Assert.Equal([A, B], index.Replace("ns/x", Wishes((A, "x2"), (B, "x"))));
        Assert.Equal([(A, "x2"), (B, "x")], index.WishesOf("ns/x").Select(w => (w.Key, w.Value)));
        Assert.True(index.TryGetEffective(A, out var wish));
        Assert.Equal("x2", wish);

        Assert.Equal([A, B], index.Replace("ns/x", Wishes((B, "x"))).Order(Comparer<IPAddress>.Create((p, q) => string.CompareOrdinal(p.ToString(), q.ToString()))));
        Assert.Empty(index.HoldersOf(A));
        Assert.False(index.TryGetEffective(A, out _));

        Assert.Equal([B], index.Replace("ns/x", []));
        Assert.Empty(index.HoldersOf(B));
        Assert.Empty(index.WishesOf("ns/x"));
        Assert.Empty(index.Services);
    }

    [Fact]
    public void An_address_wished_twice_by_one_Service_is_refused_and_changes_nothing()
    {
        var index = new ServiceAddressIndex<string>();
        index.Replace("ns/a", Wishes((A, "a")));
        Assert.Throws<ArgumentException>(() => index.Replace("ns/a", Wishes((B, "b"), (B, "b2"))));
        Assert.Equal([(A, "a")], index.WishesOf("ns/a").Select(w => (w.Key, w.Value)));
        Assert.Empty(index.HoldersOf(B));
    }

    [Fact]
    public void Adding_a_holder_twice_keeps_one_entry()
    {
        var index = new ServiceAddressIndex<string>();
        index.Replace("ns/a", Wishes((A, "a")));
        index.Replace("ns/a", Wishes((A, "a")));
        Assert.Equal(["ns/a"], index.HoldersOf(A));
    }
}
