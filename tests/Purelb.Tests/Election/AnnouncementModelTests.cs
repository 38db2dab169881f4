using System.Net;
using System.Net.Sockets;
using Purelb.Election;
using Purelb.Modes.Agent.Model;
using Xunit;
using static Purelb.Tests.Election.NetworkFactsFixture;

namespace Purelb.Tests.Election;

public class AddressOptionsTests
{
    private static TimeSpan? S(int? s) => s is { } v ? TimeSpan.FromSeconds(v) : null;

    // (valid, preferred, noPrefixRoute) in → (valid, preferred, renew) out; null = forever.
    [Theory]
    [InlineData(null, null, "v4", 300, 300, 150)]
    [InlineData(null, null, "v6", 300, 0, 150)]     // IPv6 always deprecated
    [InlineData(30, null, "v4", 60, 60, 30)]        // raised to the 60 s minimum; renew floor 30 s
    [InlineData(600, 100, "v4", 600, 100, 300)]
    [InlineData(600, 900, "v4", 600, 600, 300)]     // preferred capped at valid
    [InlineData(0, null, "v4", null, null, null)]   // permanent
    [InlineData(0, null, "v6", null, 0, null)]      // permanent but still deprecated (upstream left it preferred)
    public void Local_options(int? valid, int? preferred, string family, int? expValid, int? expPreferred, int? expRenew)
    {
        var fam = family == "v4" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        var o = AddressOptions.ForLocal(new InterfaceAddressConfig(valid, preferred), fam, skipIpv6Dad: false);
        Assert.Equal(S(expValid), o.ValidLifetime);
        Assert.Equal(S(expPreferred), o.PreferredLifetime);
        Assert.Equal(S(expRenew), o.RenewInterval);
        Assert.True(o.NoPrefixRoute);
        Assert.Equal(AddressFlags.NoPrefixRoute, o.Flags);
    }

    [Fact]
    public void Nodad_and_prefix_route_flags()
    {
        var o = AddressOptions.ForLocal(new InterfaceAddressConfig(NoPrefixRoute: false), AddressFamily.InterNetworkV6, skipIpv6Dad: true);
        Assert.Equal(AddressFlags.NoDad, o.Flags);
        var dummy = AddressOptions.ForDummy(null);
        Assert.Null(dummy.ValidLifetime);
        Assert.False(dummy.NoPrefixRoute);
        Assert.Null(dummy.RenewInterval);
    }
}

public class LocalInterfaceResolverTests
{
    private static InterfaceSelector Sel(string? local, params string[] interfaces) =>
        InterfaceSelector.FromLocalSpec(local, interfaces, "kube-lb0", out _)!;

    [Theory]
    [InlineData("default", "", "192.168.1.200", "eth0", 24)]
    [InlineData("default", "", "2001:db8::200", "eth0", 64)]
    [InlineData("default", "", "::ffff:192.168.1.200", "eth0", 24)]
    [InlineData("default", "", "10.0.0.200", null, 0)]           // eth1 is not the default-route interface
    [InlineData("default", "eth1", "10.0.0.200", "eth1", 24)]    // … unless listed
    [InlineData("^eth", "", "10.0.0.200", "eth1", 24)]
    [InlineData("e", "", "172.16.0.2", "veth12", 30)]
    [InlineData("default", "", "2001:db8:1::9", null, 0)]         // only a tentative address covers it
    [InlineData("default", "", "2001:db8:2::9", null, 0)]         // only one of our deprecated VIPs covers it
    [InlineData("lo", "", "127.0.0.2", null, 0)]                  // loopback never selected by regex
    [InlineData("kube", "", "198.51.100.1", null, 0)]             // nor the dummy
    public void Resolves(string local, string list, string vip, string? link, int prefix)
    {
        var selector = Sel(local, list.Length == 0 ? [] : list.Split(','));
        var r = LocalInterfaceResolver.Resolve(selector, Host(), IPAddress.Parse(vip));
        Assert.Equal(link, r.Link?.Name);
        Assert.Equal(link is null ? ResolutionKind.NotLocal : ResolutionKind.Local, r.Kind);
        Assert.Equal(prefix, r.PrefixLength);
    }

    [Fact]
    public void Deselected_node_resolves_nothing() =>
        Assert.Equal(ResolutionKind.NotLocal, LocalInterfaceResolver.Resolve(InterfaceSelector.Nothing, Host(), IPAddress.Parse("192.168.1.200")).Kind);

    [Fact]
    public void No_local_spec_behaves_as_default() =>
        Assert.Equal("eth0", LocalInterfaceResolver.Resolve(InterfaceSelector.DefaultRoute, Host(), IPAddress.Parse("192.168.1.200")).Link?.Name);
}

public class LocalAddressBookTests
{
    private static readonly AddressOptions V4 = AddressOptions.ForLocal(null, AddressFamily.InterNetwork, false);
    private static readonly AddressOptions V4NoDad = AddressOptions.ForLocal(null, AddressFamily.InterNetwork, true);

    private static DesiredLocalAddress D(string ip, AddressOptions? o = null) => new(IPAddress.Parse(ip), 2, "eth0", 24, o ?? V4);

    private static string Fmt(IEnumerable<IPAddress> ips) => string.Join(",", ips.Select(ElectionKey.Format).Order(StringComparer.Ordinal));

    private static string Fmt(IEnumerable<DesiredLocalAddress> entries) => Fmt(entries.Select(e => e.Address));

    // Script: each step sets (or removes, when the list is null) one Service's addresses; expected changes and holders follow.
    public static TheoryData<string, (string Service, string[]? Ips, string Added, string Removed, string Desired)[]> Scripts => new()
    {
        {
            "shared address stays until the last holder lets go",
            [
                ("ns/a", ["192.168.1.10"], "192.168.1.10", "", "192.168.1.10"),
                ("ns/b", ["192.168.1.10"], "", "", "192.168.1.10"),
                ("ns/a", null, "", "", "192.168.1.10"),
                ("ns/b", null, "", "192.168.1.10", ""),
            ]
        },
        {
            "an address dropped from a live Service is released",
            [
                ("ns/a", ["192.168.1.10", "2001:db8::10"], "192.168.1.10,2001:db8::10", "", "192.168.1.10,2001:db8::10"),
                ("ns/a", ["192.168.1.10"], "", "2001:db8::10", "192.168.1.10"),
                ("ns/a", ["192.168.1.11"], "192.168.1.11", "192.168.1.10", "192.168.1.11"),
            ]
        },
        {
            "idempotent updates change nothing",
            [
                ("ns/a", ["192.168.1.10"], "192.168.1.10", "", "192.168.1.10"),
                ("ns/a", ["192.168.1.10"], "", "", "192.168.1.10"),
                ("ns/b", [], "", "", "192.168.1.10"),
            ]
        },
    };

    [Theory]
    [MemberData(nameof(Scripts))]
    public void Refcount_script(string description, (string Service, string[]? Ips, string Added, string Removed, string Desired)[] steps)
    {
        var book = new LocalAddressBook();
        int i = 0;
        foreach (var (svc, ips, added, removed, desired) in steps)
        {
            var change = ips is null ? book.Remove(svc) : book.Set(svc, ips.Select(ip => D(ip)));
            Assert.True(added == Fmt(change.Added), $"{description} step {i}: added {Fmt(change.Added)}");
            Assert.True(removed == Fmt(change.Removed), $"{description} step {i}: removed {Fmt(change.Removed)}");
            Assert.True(desired == Fmt(book.Desired.Keys), $"{description} step {i}: desired {Fmt(book.Desired.Keys)}");
            i++;
        }
    }

    [Fact]
    public void Disagreeing_holders_resolve_to_the_first_service_key()
    {
        var book = new LocalAddressBook();
        book.Set("ns/b", [D("192.168.1.10", V4NoDad)]);
        var change = book.Set("ns/a", [D("192.168.1.10", V4)]);
        var (before, after) = Assert.Single(change.Changed);
        Assert.Equal((V4NoDad, V4), (before.Options, after.Options));
        Assert.Equal(IPAddress.Parse("192.168.1.10"), after.Address);
        Assert.Equal(V4, book.Desired[IPAddress.Parse("192.168.1.10")].Options);
        Assert.Equal(["ns/a", "ns/b"], book.HoldersOf(IPAddress.Parse("192.168.1.10")));
        var back = book.Remove("ns/a");
        var c = Assert.Single(back.Changed);
        Assert.Equal((V4, V4NoDad), (c.Before.Options, c.After.Options));
        Assert.Equal(V4NoDad, book.Desired[IPAddress.Parse("192.168.1.10")].Options);
    }

    [Fact]
    public void Clear_withdraws_everything()
    {
        var book = new LocalAddressBook();
        book.Set("ns/a", [D("192.168.1.10"), D("192.168.1.11")]);
        book.Set("ns/b", [D("192.168.1.10")]);
        Assert.Equal("192.168.1.10,192.168.1.11", Fmt(book.Clear().Removed));
        Assert.Empty(book.Desired);
        Assert.Empty(book.AddressesOf("ns/a"));
    }
}

public class AddressDiffTests
{
    private static readonly AddressOptions V4 = AddressOptions.ForLocal(null, AddressFamily.InterNetwork, false);
    private static readonly AddressOptions V6 = AddressOptions.ForLocal(null, AddressFamily.InterNetworkV6, false);

    private static Dictionary<IPAddress, DesiredLocalAddress> Desired(params DesiredLocalAddress[] d) => d.ToDictionary(x => x.Address);

    private static readonly DesiredLocalAddress Vip4 = new(IPAddress.Parse("192.168.1.10"), 2, "eth0", 24, V4);
    private static readonly DesiredLocalAddress Vip6 = new(IPAddress.Parse("2001:db8::10"), 2, "eth0", 64, V6);

    // Ours: no prefix route, inside the local pool 192.168.1.0/24 or 2001:db8::/64; never a node address.
    private static bool IsOurs(AddressFacts a) =>
        (a.Flags & AddressFlags.NoPrefixRoute) != 0
        && (IPNetwork.Parse("192.168.1.0/24").Contains(a.Address) || IPNetwork.Parse("2001:db8::/64").Contains(a.Address));

    [Fact]
    public void Missing_addresses_are_added()
    {
        var plan = AddressDiff.Compute(Desired(Vip4, Vip6), [Addr(2, "192.168.1.50/24")], IsOurs);
        Assert.Equal([Vip4, Vip6], plan.Adds);
        Assert.Empty(plan.Removes);
    }

    [Fact]
    public void Correct_fresh_addresses_need_nothing_and_report_the_next_renewal()
    {
        var plan = AddressDiff.Compute(Desired(Vip4, Vip6), [
            Addr(2, "192.168.1.10/24", AddressFlags.NoPrefixRoute, valid: 290, preferred: 290),
            Addr(2, "2001:db8::10/64", AddressFlags.NoPrefixRoute | AddressFlags.Deprecated, valid: 200, preferred: 0),
        ], IsOurs);
        Assert.True(plan.IsEmpty);
        Assert.Equal(TimeSpan.FromSeconds(50), plan.NextRenewalIn); // 200 − (300 − 150)
    }

    [Fact]
    public void Aged_addresses_are_renewed()
    {
        var plan = AddressDiff.Compute(Desired(Vip4), [Addr(2, "192.168.1.10/24", AddressFlags.NoPrefixRoute, valid: 150, preferred: 150)], IsOurs);
        Assert.Equal([Vip4], plan.Renewals);
        Assert.Empty(plan.Adds);
    }

    [Fact]
    public void Wrong_shape_is_replaced_and_misplaced_copies_removed()
    {
        var plan = AddressDiff.Compute(Desired(Vip4, Vip6), [
            Addr(2, "192.168.1.10/24"),                                                  // permanent, prefix route: not ours-shaped
            Addr(3, "192.168.1.10/32", AddressFlags.NoPrefixRoute, valid: 300),          // on the wrong link
            Addr(2, "2001:db8::10/64", AddressFlags.NoPrefixRoute, valid: 300, preferred: 300), // preferred: must be deprecated
        ], IsOurs);
        Assert.Equal([Vip4, Vip6], plan.Adds);
        var removal = Assert.Single(plan.Removes);
        Assert.Equal((3, 32, "misplaced"), (removal.LinkIndex, removal.PrefixLength, removal.Reason));
    }

    [Fact]
    public void Leftovers_of_ours_are_removed_node_addresses_never()
    {
        var plan = AddressDiff.Compute(Desired(), [
            Addr(2, "192.168.1.50/24"),                                              // node address
            Addr(2, "192.168.1.77/24", AddressFlags.NoPrefixRoute, valid: 120),      // a crashed predecessor's VIP
            Addr(2, "10.9.9.9/24", AddressFlags.NoPrefixRoute, valid: 120),          // not in our pools
        ], IsOurs);
        var removal = Assert.Single(plan.Removes);
        Assert.Equal(IPAddress.Parse("192.168.1.77"), removal.Address);
        Assert.Equal("notDesired", removal.Reason);
    }
}

public class GratuitousTests
{
    [Theory]
    [InlineData(false, null, null, null, null, true, 0, 3, 500)]            // absent → our defaults (on)
    [InlineData(true, null, null, null, null, true, 0, 3, 500)]
    [InlineData(true, "250ms", 5, "1.1s", false, true, 250, 5, 1100)]
    [InlineData(true, "bogus", 0, "-1s", null, true, 0, 1, 500)]           // invalid durations → defaults; count clamped
    [InlineData(true, "1m", 50, "2s", null, true, 60000, 10, 2000)]
    public void Config_from_spec(bool present, string? delay, int? count, string? interval, bool? verify, bool expEnabled, int expDelayMs, int expCount, int expIntervalMs)
    {
        var c = GratuitousConfig.FromSpec(present, null, delay, count, interval, verify);
        Assert.Equal(expEnabled, c.Enabled);
        Assert.Equal(TimeSpan.FromMilliseconds(expDelayMs), c.InitialDelay);
        Assert.Equal(expCount, c.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(expIntervalMs), c.Interval);
        Assert.Equal(verify ?? true, c.VerifyBeforeSend);
    }

    [Fact]
    public void Disabled_sends_nothing() =>
        Assert.Empty(GratuitousConfig.FromSpec(true, false, null, null, null, null).Schedule());

    [Fact]
    public void Schedule_is_bounded_and_spaced()
    {
        var c = GratuitousConfig.FromSpec(true, null, "100ms", 4, "500ms", null);
        Assert.Equal(new[] { 100, 600, 1100, 1600 }.Select(ms => TimeSpan.FromMilliseconds(ms)), c.Schedule());
    }

    [Theory]
    [InlineData("1h2m3.5s", 3723500)]
    [InlineData("500us", 0.5)]
    [InlineData("0", 0)]
    [InlineData("1.5ms", 1.5)]
    public void Go_durations(string text, double ms)
    {
        Assert.True(GoDuration.TryParse(text, out var d));
        Assert.Equal(TimeSpan.FromMilliseconds(ms), d);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5 s")]
    [InlineData("1d")]
    public void Bad_go_durations(string text) => Assert.False(GoDuration.TryParse(text, out _));

    private static readonly IPAddress Vip = IPAddress.Parse("192.168.1.10");

    [Fact]
    public void Burst_sends_on_schedule_and_survives_send_errors()
    {
        using var _ = new NoSyncContext();
        var clock = new FakeClock();
        var bursts = new GratuitousBursts(clock);
        var sentAt = new List<TimeSpan>();
        var config = GratuitousConfig.FromSpec(true, null, "0s", 3, "500ms", null);
        var task = bursts.RunAsync(Vip, config, () => true, (_, _) =>
        {
            sentAt.Add(clock.Local);
            return ValueTask.FromResult(sentAt.Count != 2); // the second send fails
        }, CancellationToken.None);
        Assert.Equal(1, bursts.Running);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(task.IsCompleted);
        Assert.Equal(new BurstResult(2, 1, BurstEnd.Completed), task.Result);
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(1000)], sentAt);
        Assert.Equal(0, bursts.Running);
    }

    [Fact]
    public void Burst_stops_when_ownership_is_lost()
    {
        using var _ = new NoSyncContext();
        var clock = new FakeClock();
        var bursts = new GratuitousBursts(clock);
        bool owner = true;
        int sent = 0;
        var task = bursts.RunAsync(Vip, GratuitousConfig.Default, () => owner, (_, _) => { sent++; return ValueTask.FromResult(true); }, CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(600));
        owner = false;
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(new BurstResult(2, 0, BurstEnd.LostOwnership), task.Result);
        Assert.Equal(2, sent);
    }

    [Fact]
    public void A_new_takeover_supersedes_the_running_burst()
    {
        using var _ = new NoSyncContext();
        var clock = new FakeClock();
        var bursts = new GratuitousBursts(clock);
        int sent = 0;
        ValueTask<bool> Send(IPAddress a, CancellationToken c) { sent++; return ValueTask.FromResult(true); }
        var first = bursts.RunAsync(Vip, GratuitousConfig.Default, () => true, Send, CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        var second = bursts.RunAsync(IPAddress.Parse("::ffff:192.168.1.10"), GratuitousConfig.Default, () => true, Send, CancellationToken.None);
        Assert.Equal(1, bursts.Running);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(new BurstResult(1, 0, BurstEnd.Superseded), first.Result);
        Assert.Equal(new BurstResult(3, 0, BurstEnd.Completed), second.Result);
        Assert.Equal(4, sent);
    }

    [Fact]
    public void Cancel_on_withdrawal_stops_the_burst()
    {
        using var _ = new NoSyncContext();
        var clock = new FakeClock();
        var bursts = new GratuitousBursts(clock);
        var task = bursts.RunAsync(Vip, GratuitousConfig.Default, () => true, (_, _) => ValueTask.FromResult(true), CancellationToken.None);
        bursts.Cancel(Vip);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(new BurstResult(1, 0, BurstEnd.Superseded), task.Result);
    }
}

public class WinnerChangeCounterTests
{
    [Fact]
    public void Counts_real_changes_only()
    {
        var c = new WinnerChangeCounter();
        Assert.False(c.Observe("192.168.1.10", "node-a"));  // first sight
        Assert.False(c.Observe("192.168.1.10", "node-a"));  // reconcile repeat
        Assert.True(c.Observe("192.168.1.10", "node-b"));   // failover
        Assert.True(c.Observe("192.168.1.10", null));       // no eligible node
        Assert.True(c.Observe("192.168.1.10", "node-b"));
        Assert.False(c.Observe("10.0.0.1", "node-a"));
        Assert.Equal(3, c.Total("192.168.1.10"));
        Assert.Equal(0, c.Total("10.0.0.1"));
        c.Forget("192.168.1.10");
        Assert.False(c.Observe("192.168.1.10", "node-c"));  // a new life of the address starts fresh
        Assert.Equal(3, c.Totals["192.168.1.10"]);
    }
}
