using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Purelb.Netlink;
using Purelb.Netlink.Interop;
using Purelb.Netlink.Route;
using Xunit;

namespace Purelb.Tests.Netlink;

/// <summary>Address operations against the real kernel, checked with `ip -j addr` (agent.md §3.4, §3.7).</summary>
[Trait("Category", "Kernel")]
public sealed class AddressServiceTests : IDisposable
{
    private readonly TestNamespace _ns = new();
    private readonly RtNetlink _rtnl;
    private readonly int _v0;

    public AddressServiceTests()
    {
        _ns.Ip("link add v0 type veth peer name v1");
        _ns.Ip("link set v0 up");
        _ns.Ip("link set v1 up");
        _v0 = _ns.IfIndex("v0");
        _rtnl = RtNetlink.Open(_ns.Namespace);
    }

    public void Dispose()
    {
        _rtnl.Dispose();
        _ns.Dispose();
    }

    [Fact]
    public void Ipv4_with_lifetimes_counts_down_with_noprefixroute_and_broadcast()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _rtnl.Addresses.Replace(_v0, IPAddress.Parse("192.0.2.10"), 24, new AddressOptions(300, 300, AddressFlags.NoPrefixRoute));
        var a = _ns.Address("v0", "192.0.2.10")!.Value;
        int slack = (int)clock.Elapsed.TotalSeconds + 1;
        Assert.Equal(24, a.GetProperty("prefixlen").GetInt32());
        Assert.Equal("192.0.2.255", a.GetProperty("broadcast").GetString());
        Assert.True(a.GetProperty("noprefixroute").GetBoolean());
        Assert.True(a.GetProperty("dynamic").GetBoolean());
        int valid0 = a.GetProperty("valid_life_time").GetInt32();
        Assert.InRange(valid0, 300 - slack, 300);
        Assert.InRange(a.GetProperty("preferred_life_time").GetInt32(), 300 - slack, 300);
        // No prefix route was installed for the /24.
        Assert.DoesNotContain("192.0.2.0/24", _ns.Ip("route show"));

        clock.Restart();
        Thread.Sleep(2100);
        var later = _ns.Address("v0", "192.0.2.10")!.Value;
        int elapsed = (int)Math.Ceiling(clock.Elapsed.TotalSeconds);
        // Counting down: at least 2 s gone, and no more than the time that actually passed (+1 for rounding).
        int laterValid = later.GetProperty("valid_life_time").GetInt32();
        Assert.InRange(laterValid, valid0 - elapsed - 1, valid0 - 2);

        var ours = Assert.Single(_rtnl.Addresses.List(AddressFamily.InterNetwork, _v0));
        Assert.Equal(IPAddress.Parse("192.0.2.10"), ours.Address);
        Assert.Equal(AddressFlags.NoPrefixRoute, ours.Flags & AddressFlags.NoPrefixRoute);
        Assert.InRange(ours.ValidLifetime, (uint)(valid0 - elapsed - 3), (uint)(valid0 - 2));
        Assert.Equal(IPAddress.Parse("192.0.2.255"), ours.Broadcast);
        Assert.Equal("v0", ours.Label);

        // Replace is the renewal: the lifetime goes back up.
        clock.Restart();
        _rtnl.Addresses.Replace(_v0, IPAddress.Parse("192.0.2.10"), 24, new AddressOptions(300, 300, AddressFlags.NoPrefixRoute));
        int renewed = _ns.Address("v0", "192.0.2.10")!.Value.GetProperty("valid_life_time").GetInt32();
        Assert.InRange(renewed, 300 - (int)clock.Elapsed.TotalSeconds - 1, 300);
        Assert.True(renewed > laterValid, "the renewal reset the lifetime");
    }

    [Fact]
    public void Ipv6_with_preferred_zero_is_deprecated_nodad_noprefixroute()
    {
        _rtnl.Addresses.Replace(_v0, IPAddress.Parse("fd00:5::10"), 64,
            new AddressOptions(300, 0, AddressFlags.NoPrefixRoute | AddressFlags.NoDad));
        var a = _ns.Address("v0", "fd00:5::10")!.Value;
        Assert.True(a.GetProperty("deprecated").GetBoolean());
        Assert.True(a.GetProperty("nodad").GetBoolean());
        Assert.True(a.GetProperty("noprefixroute").GetBoolean());
        Assert.Equal(0, a.GetProperty("preferred_life_time").GetInt32());
        Assert.InRange(a.GetProperty("valid_life_time").GetInt32(), 295, 300);
        Assert.Contains("deprecated", _ns.Ip("-d addr show dev v0"));

        var ours = _rtnl.Addresses.List(AddressFamily.InterNetworkV6, _v0).Single(x => x.Address.Equals(IPAddress.Parse("fd00:5::10")));
        Assert.True(ours.IsDeprecated);
        Assert.Equal(AddressFlags.NoDad | AddressFlags.NoPrefixRoute, ours.Flags & (AddressFlags.NoDad | AddressFlags.NoPrefixRoute));
        Assert.Equal(0u, ours.PreferredLifetime);
        Assert.False(ours.IsTentative);
    }

    [Fact]
    public void Ipv6_with_dad_is_tentative_at_first()
    {
        _ns.Exec("sysctl -qw net.ipv6.conf.v0.accept_dad=1");
        _rtnl.Addresses.Replace(_v0, IPAddress.Parse("fd00:6::10"), 64, new AddressOptions(300, 0, AddressFlags.NoPrefixRoute));
        var ours = _rtnl.Addresses.List(AddressFamily.InterNetworkV6, _v0).Single(x => x.Address.Equals(IPAddress.Parse("fd00:6::10")));
        Assert.True(ours.IsTentative);
        Assert.True(_ns.Address("v0", "fd00:6::10")!.Value.GetProperty("tentative").GetBoolean());
    }

    [Fact]
    public void Permanent_address_has_no_lifetime()
    {
        _rtnl.Addresses.Add(_v0, IPAddress.Parse("198.51.100.7"), 32, AddressOptions.Permanent());
        var a = _ns.Address("v0", "198.51.100.7")!.Value;
        Assert.Equal(uint.MaxValue, a.GetProperty("valid_life_time").GetUInt32());
        Assert.False(a.TryGetProperty("broadcast", out _));
        var ours = _rtnl.Addresses.List(AddressFamily.InterNetwork, _v0).Single(x => x.Address.Equals(IPAddress.Parse("198.51.100.7")));
        Assert.Equal(AddressInfo.Forever, ours.ValidLifetime);
        Assert.True(ours.IsPermanent);
    }

    [Fact]
    public void Add_twice_is_EEXIST_and_delete_removes_then_EADDRNOTAVAIL()
    {
        var vip = IPAddress.Parse("203.0.113.5");
        _rtnl.Addresses.Add(_v0, vip, 24, new AddressOptions(60, 60, AddressFlags.None));
        var dup = Assert.Throws<NetlinkException>(() => _rtnl.Addresses.Add(_v0, vip, 24, new AddressOptions(60, 60, AddressFlags.None)));
        Assert.Equal(Errno.EEXIST, dup.Errno);
        Assert.Contains("203.0.113.5/24", dup.Message);

        _rtnl.Addresses.Delete(_v0, vip, 24);
        Assert.Null(_ns.Address("v0", "203.0.113.5"));
        var gone = Assert.Throws<NetlinkException>(() => _rtnl.Addresses.Delete(_v0, vip, 24));
        Assert.Equal(Errno.EADDRNOTAVAIL, gone.Errno);
        Assert.True(gone.IsNotFound);
        Assert.Contains("not assigned", gone.Message);
    }

    [Fact]
    public void Delete_ipv6_removes_it()
    {
        var vip = IPAddress.Parse("fd00:7::1");
        _rtnl.Addresses.Replace(_v0, vip, 128, new AddressOptions(300, 0, AddressFlags.NoDad));
        Assert.NotNull(_ns.Address("v0", "fd00:7::1"));
        _rtnl.Addresses.Delete(_v0, vip, 128);
        Assert.Null(_ns.Address("v0", "fd00:7::1"));
    }

    [Fact]
    public void Dump_agrees_with_ip_for_every_address()
    {
        _ns.Ip("addr add 10.20.0.1/16 dev v0");
        _ns.Ip("addr add 10.20.0.2/32 dev v0 valid_lft 100 preferred_lft 50");
        _ns.Ip("addr add fd00:8::2/64 dev v0 nodad");
        var ours = _rtnl.Addresses.List(interfaceIndex: _v0);
        var ip = _ns.Addresses("v0");
        Assert.Equal(ip.Count, ours.Count);
        foreach (var a in ip)
        {
            var mine = ours.Single(o => o.Address.Equals(IPAddress.Parse(a.GetProperty("local").GetString()!)));
            Assert.Equal(a.GetProperty("prefixlen").GetInt32(), mine.PrefixLength);
            Assert.Equal(a.GetProperty("valid_life_time").GetUInt32() == uint.MaxValue, mine.ValidLifetime == AddressInfo.Forever);
        }
        Assert.All(_rtnl.Addresses.List(AddressFamily.InterNetworkV6), a => Assert.Equal(AddressFamily.InterNetworkV6, a.Address.AddressFamily));
    }

    [Fact]
    public void Add_and_delete_allocate_nothing_in_steady_state()
    {
        var vip = IPAddress.Parse("192.0.2.77");
        var options = new AddressOptions(300, 300, AddressFlags.NoPrefixRoute);
        for (int i = 0; i < 20; i++)
        {
            _rtnl.Addresses.Replace(_v0, vip, 24, options);
            _rtnl.Addresses.Delete(_v0, vip, 24);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            _rtnl.Addresses.Replace(_v0, vip, 24, options);
            _rtnl.Addresses.Delete(_v0, vip, 24);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Batched_replace_and_delete_report_each_address()
    {
        var vips = Enumerable.Range(1, 150).Select(i => IPAddress.Parse($"10.77.{i / 200}.{i % 200 + 1}")).ToArray();
        var results = new Errno[vips.Length];
        Assert.Equal(0, _rtnl.Addresses.ReplaceMany(_v0, vips, 32, new AddressOptions(300, 300, AddressFlags.NoPrefixRoute), results));
        Assert.All(results, r => Assert.Equal(Errno.None, r));
        var present = _ns.Addresses("v0").Select(a => a.GetProperty("local").GetString()).ToHashSet();
        Assert.All(vips, v => Assert.Contains(v.ToString(), present));
        Assert.True(_ns.Address("v0", "10.77.0.2")!.Value.GetProperty("noprefixroute").GetBoolean());

        // One address is removed behind our back: its slot reports EADDRNOTAVAIL, the others still go.
        _ns.Ip("addr del 10.77.0.100/32 dev v0");
        long before = GC.GetAllocatedBytesForCurrentThread();
        int failed = _rtnl.Addresses.DeleteMany(_v0, vips, 32, results);
        Assert.Equal(1, failed);
        Assert.Equal(Errno.EADDRNOTAVAIL, results[Array.FindIndex(vips, v => v.ToString() == "10.77.0.100")]);
        Assert.Equal(149, results.Count(r => r == Errno.None));
        Assert.DoesNotContain(_ns.Addresses("v0"), a => a.GetProperty("local").GetString()!.StartsWith("10.77.", StringComparison.Ordinal));

        before = GC.GetAllocatedBytesForCurrentThread();
        _rtnl.Addresses.ReplaceMany(_v0, vips, 32, new AddressOptions(300, 300, AddressFlags.NoPrefixRoute), results);
        _rtnl.Addresses.DeleteMany(_v0, vips, 32, results);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
