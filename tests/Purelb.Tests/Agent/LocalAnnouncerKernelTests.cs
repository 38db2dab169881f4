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

/// <summary>The local announcer against the real kernel in a namespace of its own: what it reports when an add is refused.</summary>
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

    public void Dispose()
    {
        _announcer.Dispose();
        _rt.Dispose();
        _ns.Dispose();
    }
}
