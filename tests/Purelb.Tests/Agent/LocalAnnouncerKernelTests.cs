using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Purelb.Kube.Agent;
using Purelb.Modes.Agent;
using Purelb.Modes.Agent.Model;
using Purelb.Modes.Observability;
using Purelb.Netlink;
using Purelb.Tests.Netlink;
using Xunit;

namespace Purelb.Tests.Agent;

/// <summary>The local announcer against the real kernel in a namespace of its own: what it reports when an add is
/// refused, what a Service change does to the kernel, and which notifications ask for a full pass.</summary>
[Trait("Category", "Kernel")]
public sealed class LocalAnnouncerKernelTests : IDisposable
{
    private readonly TestNamespace _ns = new();
    private readonly RtNetlink _rt;
    private readonly LocalAnnouncer _announcer;

    public LocalAnnouncerKernelTests()
    {
        _rt = RtNetlink.Open(_ns.Namespace);
        _announcer = new LocalAnnouncer(_rt, () => true, new AgentMetrics(new MetricRegistry()), TimeProvider.System, NullLogger.Instance);
        _announcer.Configure(GratuitousConfig.FromSpec(true, false, null, null, null, null));
        _ns.Ip("link add lan9 type bridge");
        _ns.Ip("addr add 192.0.2.10/24 dev lan9");
        _ns.Ip("link set lan9 up");
    }

    private static DesiredLocalAddress Want(string ip, int link, string name) =>
        new(IPAddress.Parse(ip), link, name, 24, AddressOptions.ForLocal(null, AddressFamily.InterNetwork, skipIpv6Dad: false));

    [Fact]
    public void A_refused_add_is_reported_with_the_kernel_error_and_not_held_and_a_possible_one_is_added()
    {
        var missingLink = 4000;
        var refused = _announcer.Set("default/a", [Want("192.0.2.77", missingLink, "gone0")]);
        Assert.Empty(refused.Added);
        var (address, error) = Assert.Single(refused.Failed);
        Assert.Equal(IPAddress.Parse("192.0.2.77"), address);
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.False(_announcer.Holds(address));
        // Still refused on the next call for the same desire: the failure is reported again, not forgotten.
        Assert.Single(_announcer.Set("default/a", [Want("192.0.2.77", missingLink, "gone0")]).Failed);

        var ok = _announcer.Set("default/a", [Want("192.0.2.77", _ns.IfIndex("lan9"), "lan9")]);
        Assert.Equal([IPAddress.Parse("192.0.2.77")], ok.Added);
        Assert.Empty(ok.Failed);
        Assert.True(_announcer.Holds(address));
        Assert.NotNull(_ns.Address("lan9", "192.0.2.77"));

        _announcer.Remove("default/a");
        Assert.Null(_ns.Address("lan9", "192.0.2.77"));
        Assert.False(_announcer.Holds(address));
    }

    [Fact]
    public void A_move_to_another_link_withdraws_from_the_old_one_and_counts_as_taken()
    {
        _ns.Ip("link add lan8 type bridge");
        _ns.Ip("link set lan8 up");
        Assert.Equal([IPAddress.Parse("192.0.2.78")], _announcer.Set("default/a", [Want("192.0.2.78", _ns.IfIndex("lan9"), "lan9")]).Added);
        Assert.NotNull(_ns.Address("lan9", "192.0.2.78"));

        var moved = _announcer.Set("default/a", [Want("192.0.2.78", _ns.IfIndex("lan8"), "lan8")]);
        Assert.Equal([IPAddress.Parse("192.0.2.78")], moved.Added);
        Assert.Null(_ns.Address("lan9", "192.0.2.78"));
        Assert.NotNull(_ns.Address("lan8", "192.0.2.78"));

        // The same wish again changes nothing and takes nothing.
        Assert.Empty(_announcer.Set("default/a", [Want("192.0.2.78", _ns.IfIndex("lan8"), "lan8")]).Added);
        Assert.NotNull(_ns.Address("lan8", "192.0.2.78"));
    }

    [Fact]
    public void A_shared_address_leaves_the_kernel_with_its_last_holder_and_other_addresses_stay()
    {
        var lan9 = _ns.IfIndex("lan9");
        _announcer.Set("default/a", [Want("192.0.2.79", lan9, "lan9"), Want("192.0.2.80", lan9, "lan9")]);
        Assert.Empty(_announcer.Set("default/b", [Want("192.0.2.79", lan9, "lan9")]).Added);

        _announcer.Set("default/a", [Want("192.0.2.80", lan9, "lan9")]);
        Assert.NotNull(_ns.Address("lan9", "192.0.2.79"));
        _announcer.Remove("default/b");
        Assert.Null(_ns.Address("lan9", "192.0.2.79"));
        Assert.NotNull(_ns.Address("lan9", "192.0.2.80"));
        Assert.NotNull(_ns.Address("lan9", "192.0.2.10"));
    }

    [Fact]
    public async Task The_kernels_echo_of_our_own_add_asks_for_no_pass_and_a_removal_by_hand_does()
    {
        int changes = 0;
        _announcer.KernelChanged += () => Interlocked.Increment(ref changes);
        _announcer.StartMonitor(_ns.Namespace);
        Assert.Single(_announcer.Set("default/a", [Want("192.0.2.81", _ns.IfIndex("lan9"), "lan9")]).Added);
        Assert.Single(_announcer.Set("default/b", [Want("192.0.2.82", _ns.IfIndex("lan9"), "lan9")]).Added);
        await Task.Delay(300);
        Assert.Equal(0, Volatile.Read(ref changes));

        _ns.Ip("addr del 192.0.2.81/24 dev lan9");
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (Volatile.Read(ref changes) == 0 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(Volatile.Read(ref changes) > 0, "removing our address by hand raised no kernel change");

        // Anyone else's address is news too (it may change the node's subnets).
        var before = Volatile.Read(ref changes);
        _ns.Ip("addr add 198.51.100.1/24 dev lan9");
        deadline = DateTime.UtcNow.AddSeconds(5);
        while (Volatile.Read(ref changes) == before && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(Volatile.Read(ref changes) > before, "a node address added by hand raised no kernel change");
    }

    public void Dispose()
    {
        _announcer.Dispose();
        _rt.Dispose();
        _ns.Dispose();
    }
}
