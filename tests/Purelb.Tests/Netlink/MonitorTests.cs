using System.Net;
using Purelb.Netlink;
using Xunit;

namespace Purelb.Tests.Netlink;

/// <summary>Change notifications from the real kernel: address and link events, and overrun → resync.</summary>
[Trait("Category", "Kernel")]
public sealed class MonitorTests : IDisposable
{
    private readonly TestNamespace _ns = new();

    public MonitorTests()
    {
        _ns.Ip("link add v0 type veth peer name v1");
    }

    public void Dispose() => _ns.Dispose();

    [Fact]
    public async Task Address_removed_by_someone_else_is_seen_within_a_second()
    {
        _ns.Ip("addr add 192.0.2.44/24 dev v0");
        using var monitor = NetlinkMonitor.Open(_ns.Namespace);
        monitor.Start();
        var started = DateTime.UtcNow;
        _ns.Ip("addr del 192.0.2.44/24 dev v0");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1) + (DateTime.UtcNow - started));
        AddressEvent? seen = null;
        await foreach (var e in monitor.Events.ReadAllAsync(cts.Token))
        {
            if (e is AddressEvent { Removed: true } a && a.Address.Address.Equals(IPAddress.Parse("192.0.2.44")))
            {
                seen = a;
                break;
            }
        }
        Assert.NotNull(seen);
        Assert.Equal(_ns.IfIndex("v0"), seen!.Address.InterfaceIndex);
        Assert.Equal(24, seen.Address.PrefixLength);
    }

    [Fact]
    public async Task Ipv6_add_and_link_up_raise_typed_events()
    {
        using var monitor = NetlinkMonitor.Open(_ns.Namespace);
        monitor.Start();
        _ns.Ip("addr add fd00:9::9/64 dev v0 nodad");
        _ns.Ip("link set v0 up");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        bool sawAddress = false, sawLinkUp = false;
        await foreach (var e in monitor.Events.ReadAllAsync(cts.Token))
        {
            if (e is AddressEvent { Removed: false } a && a.Address.Address.Equals(IPAddress.Parse("fd00:9::9"))) sawAddress = true;
            if (e is LinkEvent { Removed: false } l && l.Link.Name == "v0" && l.Link.IsUp) sawLinkUp = true;
            if (sawAddress && sawLinkUp) break;
        }
        Assert.True(sawAddress);
        Assert.True(sawLinkUp);
    }

    [Fact]
    public async Task Overrun_becomes_resync_needed()
    {
        // Subscribe with the smallest receive buffer, do not read, and flood: the kernel drops notifications and
        // reports ENOBUFS on the next read, which must surface as ResyncNeeded rather than an error.
        using var monitor = NetlinkMonitor.Open(_ns.Namespace, receiveBufferBytes: 1);
        var batch = Path.GetTempFileName();
        try
        {
            await File.WriteAllLinesAsync(batch, Enumerable.Range(1, 300).Select(i => $"addr add 10.99.{i / 250}.{i % 250 + 1}/32 dev v0"));
            TestNamespace.Run("ip", "-n", _ns.Name, "-batch", batch);
        }
        finally
        {
            File.Delete(batch);
        }
        monitor.Start();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        ResyncNeeded? resync = null;
        await foreach (var e in monitor.Events.ReadAllAsync(cts.Token))
        {
            if (e is ResyncNeeded r)
            {
                resync = r;
                break;
            }
        }
        Assert.NotNull(resync);
        Assert.Contains("ENOBUFS", resync!.Reason);
    }

    [Fact]
    public void Dispose_stops_the_reader_promptly()
    {
        var monitor = NetlinkMonitor.Open(_ns.Namespace);
        monitor.Start();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        monitor.Dispose();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2));
        Assert.True(monitor.Events.Completion.IsCompleted);
    }
}
