using System.Net;
using Google.Protobuf;
using Purelb.Bgp;
using Purelb.Bgp.Protos.V4;
using Xunit;

namespace Purelb.Tests.Bgp;

/// <summary>The announcer's desired-state behaviour against the in-process v4 daemon.</summary>
public sealed class BgpAnnouncerTests : IAsyncLifetime
{
    private static readonly IPAddress NodeV6 = IPAddress.Parse("2001:db8::11");
    private readonly string _socket = TestPaths.Socket();
    private readonly CancellationTokenSource _stop = new();
    private FakeGoBgpV4 _fake = new();
    private FakeGobgpHost? _host;
    private Task? _loop;

    public async Task InitializeAsync() => _host = await FakeGobgpHost.StartV4Async(_fake, _socket);

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null) await _loop;
        if (_host is not null) await _host.DisposeAsync();
        File.Delete(_socket);
    }

    private BgpAnnouncer Start(BgpAnnouncerOptions? options = null)
    {
        var a = new BgpAnnouncer(options ?? Options());
        _loop = Task.Run(() => a.RunAsync(_stop.Token));
        return a;
    }

    private BgpAnnouncerOptions Options() => new()
    {
        Endpoint = BgpEndpoint.Parse("unix://" + _socket),
        Ipv6NextHop = NodeV6,
        ResyncInterval = TimeSpan.FromSeconds(30),
    };

    private static IPNetwork P(string s) => IPNetwork.Parse(s);

    private async Task RibIs(params string[] prefixes)
    {
        await TestPaths.EventuallyAsync(() => _fake.Prefixes.SequenceEqual(prefixes), TimeSpan.FromSeconds(20));
        Assert.Equal(prefixes, _fake.Prefixes);
    }

    private IEnumerable<string> AddedInOrder() => _fake.RequestsOf<AddPathRequest>()
        .Select(r => $"{r.Path.Nlri.Prefix.Prefix}/{r.Path.Nlri.Prefix.PrefixLen}");

    [Fact]
    public async Task First_reconcile_announces_in_order_and_withdraws_leftovers_by_path()
    {
        // A path a previous agent left behind, and a netlink-imported one that is not ours to touch.
        _fake.Inject("203.0.113.7/32", NewPath("203.0.113.7", 32));
        var imported = NewPath("203.0.113.8", 32);
        imported.IsFromExternal = true;
        _fake.Inject("203.0.113.8/32", imported);

        var a = new BgpAnnouncer(Options());
        a.Set("ns/b", [P("2001:db8:100::/64"), P("10.0.0.2/32")]);
        a.Set("ns/a", [P("10.0.0.1/32")]);
        _loop = Task.Run(() => a.RunAsync(_stop.Token));

        await RibIs("10.0.0.1/32", "10.0.0.2/32", "2001:db8:100::/64", "203.0.113.8/32");
        Assert.Equal(["10.0.0.1/32", "10.0.0.2/32", "2001:db8:100::/64"], AddedInOrder());
        var delete = Assert.Single(_fake.RequestsOf<DeletePathRequest>());
        Assert.Equal("203.0.113.7", delete.Path.Nlri.Prefix.Prefix);
        var v6 = _fake.PathOf("2001:db8:100::/64")!;
        Assert.Equal(NodeV6.ToString(), Assert.Single(v6.Pattrs, x => x.AttrCase == Purelb.Bgp.Protos.V4.Attribute.AttrOneofCase.MpReach).MpReach.NextHops.Single());
        Assert.True(a.Status.Ready);
        Assert.Equal(GobgpApiVersion.V4, a.Status.Version);
        Assert.Equal(0, a.Status.ImportedDuplicates);
    }

    [Fact]
    public async Task A_prefix_also_imported_by_netlink_is_reported_as_a_duplicate()
    {
        var imported = NewPath("10.5.0.1", 32);
        imported.IsFromExternal = true;
        _fake.Inject("10.5.0.1/32", imported);
        var a = new BgpAnnouncer(Options());
        a.Set("ns/a", [P("10.5.0.1/32"), P("10.5.0.2/32")]);
        _loop = Task.Run(() => a.RunAsync(_stop.Token));

        await TestPaths.EventuallyAsync(() => a.Status.LastReconcile is not null);
        Assert.Equal(1, a.Status.ImportedDuplicates);
    }

    [Fact]
    public async Task A_shared_prefix_is_withdrawn_only_when_its_last_key_goes()
    {
        var a = Start();
        a.Set("ns/a", [P("198.51.100.0/24")]);
        a.Set("ns/b", [P("198.51.100.0/24"), P("198.51.100.77/32")]);
        await RibIs("198.51.100.0/24", "198.51.100.77/32");

        a.Remove("ns/a");
        a.Set("ns/b", [P("198.51.100.0/24")]);
        await RibIs("198.51.100.0/24");
        await Task.Delay(100);
        Assert.Equal(["198.51.100.0/24"], _fake.Prefixes);

        a.Remove("ns/b");
        await RibIs();
        Assert.All(_fake.RequestsOf<DeletePathRequest>(), d => Assert.NotNull(d.Path?.Nlri?.Prefix));
        Assert.Single(AddedInOrder(), p => p == "198.51.100.0/24");
    }

    [Fact]
    public async Task Nothing_is_announced_until_BGP_is_started_then_everything_is()
    {
        _fake.Asn = 0;
        var a = Start(Options() with { NotStartedPollInterval = TimeSpan.FromMilliseconds(20) });
        a.Set("ns/a", [P("10.1.0.1/32")]);
        await Task.Delay(200);
        Assert.Empty(_fake.RequestsOf<AddPathRequest>());
        Assert.False(a.Status.Ready);

        _fake.Asn = 65000;
        await RibIs("10.1.0.1/32");
    }

    [Fact]
    public async Task A_restarted_daemon_gets_every_prefix_back()
    {
        var a = Start();
        a.Set("ns/a", [P("10.2.0.1/32"), P("2001:db8:200::1/128")]);
        await RibIs("10.2.0.1/32", "2001:db8:200::1/128");
        var sessions = a.Status.Sessions;

        // The daemon dies (its RIB with it) and a new one comes up on the same socket.
        await _host!.DisposeAsync();
        File.Delete(_socket);
        _fake = new FakeGoBgpV4();
        _host = await FakeGobgpHost.StartV4Async(_fake, _socket);

        await RibIs("10.2.0.1/32", "2001:db8:200::1/128");
        // The status snapshot is published after the reconcile that filled the RIB, so it can trail the RIB.
        Assert.True(await TestPaths.EventuallyAsync(() => a.Status.Sessions > sessions, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Periodic_resync_repairs_a_path_removed_behind_our_back()
    {
        var a = Start(Options() with { ResyncInterval = TimeSpan.FromMilliseconds(200) });
        a.Set("ns/a", [P("10.3.0.1/32")]);
        await RibIs("10.3.0.1/32");

        Assert.True(_fake.Forget("10.3.0.1/32"));
        await RibIs("10.3.0.1/32");
        Assert.Equal(2, AddedInOrder().Count());
    }

    [Fact]
    public async Task Without_an_IPv6_next_hop_IPv6_prefixes_wait_and_the_status_says_why()
    {
        var a = Start(Options() with { Ipv6NextHop = null, FailedRetryDelay = TimeSpan.FromMilliseconds(50) });
        a.Set("ns/a", [P("10.4.0.1/32"), P("2001:db8:400::1/128")]);
        await RibIs("10.4.0.1/32");
        await TestPaths.EventuallyAsync(() => a.Status.LastError is not null);
        Assert.Contains("IPv6 next hop", a.Status.LastError);
        Assert.Equal(["10.4.0.1/32"], _fake.Prefixes);

        a.SetIpv6NextHop(NodeV6);
        await RibIs("10.4.0.1/32", "2001:db8:400::1/128");
    }

    [Fact]
    public void Desired_prefixes_are_the_refcounted_union_in_a_fixed_order()
    {
        var a = new BgpAnnouncer(Options());
        a.Set("x", [P("2001:db8::/64"), P("10.0.0.0/8"), P("10.0.0.0/24")]);
        a.Set("y", [P("9.0.0.1/32"), P("10.0.0.0/24")]);
        Assert.Equal([P("9.0.0.1/32"), P("10.0.0.0/8"), P("10.0.0.0/24"), P("2001:db8::/64")], a.DesiredPrefixes());
        a.Remove("x");
        Assert.Equal([P("9.0.0.1/32"), P("10.0.0.0/24")], a.DesiredPrefixes());
        a.Set("y", []);
        Assert.Empty(a.DesiredPrefixes());
    }

    private static Purelb.Bgp.Protos.V4.Path NewPath(string prefix, uint len)
    {
        var p = new Purelb.Bgp.Protos.V4.Path
        {
            Nlri = new NLRI { Prefix = new IPAddressPrefix { Prefix = prefix, PrefixLen = len } },
            Family = new Family { Afi = Family.Types.Afi.Ip, Safi = Family.Types.Safi.Unicast },
        };
        p.Pattrs.Add(new Purelb.Bgp.Protos.V4.Attribute { NextHop = new NextHopAttribute { NextHop = "0.0.0.0" } });
        return p;
    }

    [Fact]
    public async Task Disabling_withdraws_every_path_it_added_and_enabling_again_announces_them_all()
    {
        var a = Start();
        a.Set("ns/a", [P("10.4.0.1/32"), P("2001:db8:400::1/128")]);
        await RibIs("10.4.0.1/32", "2001:db8:400::1/128");

        a.Configure(Options() with { Enabled = false });
        await RibIs();
        Assert.True(await TestPaths.EventuallyAsync(() => a.Status is { Enabled: false, Ready: false }, TimeSpan.FromSeconds(20)));
        a.Set("ns/b", [P("10.4.0.2/32")]);
        await Task.Delay(200);
        Assert.Empty(_fake.Prefixes);

        a.Configure(Options());
        await RibIs("10.4.0.1/32", "10.4.0.2/32", "2001:db8:400::1/128");
        Assert.True(await TestPaths.EventuallyAsync(() => a.Status is { Enabled: true, Ready: true }, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task A_new_endpoint_gets_every_path_and_the_old_daemon_is_left_with_none()
    {
        var otherSocket = TestPaths.Socket();
        var other = new FakeGoBgpV4();
        await using var otherHost = await FakeGobgpHost.StartV4Async(other, otherSocket);
        try
        {
            var a = Start();
            a.Set("ns/a", [P("10.5.0.1/32")]);
            await RibIs("10.5.0.1/32");

            a.Configure(Options() with { Endpoint = BgpEndpoint.Parse("unix://" + otherSocket) });
            Assert.True(await TestPaths.EventuallyAsync(() => other.Prefixes.SequenceEqual(["10.5.0.1/32"]), TimeSpan.FromSeconds(20)));
            await RibIs();
            Assert.Equal("unix://" + otherSocket, a.Status.Endpoint);
        }
        finally
        {
            File.Delete(otherSocket);
        }
    }

    [Fact]
    public async Task A_refused_prefix_is_reported_once_naming_the_daemon_endpoint()
    {
        _fake.RefuseAddPath = "policy rejects it";
        var failures = new System.Collections.Concurrent.ConcurrentQueue<BgpAnnounceFailure>();
        var a = new BgpAnnouncer(Options() with { FailedRetryDelay = TimeSpan.FromMilliseconds(50) });
        a.AnnounceFailed += failures.Enqueue;
        _loop = Task.Run(() => a.RunAsync(_stop.Token));
        a.Set("ns/a", [P("10.6.0.1/32")]);

        Assert.True(await TestPaths.EventuallyAsync(() => !failures.IsEmpty, TimeSpan.FromSeconds(20)));
        await Task.Delay(300); // several retries fail the same way
        var f = Assert.Single(failures);
        Assert.Equal([P("10.6.0.1/32")], f.Prefixes);
        Assert.Contains("unix://" + _socket, f.Message, StringComparison.Ordinal);
        Assert.Contains("policy rejects it", f.Message, StringComparison.Ordinal);

        _fake.RefuseAddPath = null;
        await RibIs("10.6.0.1/32");
    }

    [Fact]
    public async Task An_unreachable_daemon_is_reported_with_its_endpoint_while_something_should_be_announced()
    {
        var missing = TestPaths.Socket();
        var failures = new System.Collections.Concurrent.ConcurrentQueue<BgpAnnounceFailure>();
        var a = new BgpAnnouncer(Options() with { Endpoint = BgpEndpoint.Parse("unix://" + missing), OutageReportAfter = TimeSpan.Zero });
        a.AnnounceFailed += failures.Enqueue;
        _loop = Task.Run(() => a.RunAsync(_stop.Token));
        await Task.Delay(300);
        Assert.Empty(failures); // nothing wanted yet: nothing to report

        a.Set("ns/a", [P("10.7.0.1/32")]);
        Assert.True(await TestPaths.EventuallyAsync(() => !failures.IsEmpty, TimeSpan.FromSeconds(20)));
        var f = failures.First();
        Assert.Contains("unix://" + missing, f.Message, StringComparison.Ordinal);
        Assert.Contains("unreachable", f.Message, StringComparison.Ordinal);
        Assert.False(a.Status.Ready);
    }
}
