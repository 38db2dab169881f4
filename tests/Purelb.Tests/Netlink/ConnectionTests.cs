using System.Net;
using System.Net.Sockets;
using Purelb.Netlink;
using Purelb.Netlink.Codec;
using Purelb.Netlink.Interop;
using Purelb.Netlink.Route;
using Xunit;

namespace Purelb.Tests.Netlink;

/// <summary>The connection's dump loop against the real kernel: multi-datagram dumps and NLM_F_DUMP_INTR.</summary>
[Trait("Category", "Kernel")]
public sealed class ConnectionTests : IDisposable
{
    private readonly TestNamespace _ns = new();
    private readonly RtNetlink _rtnl;
    private readonly int _v0;
    private readonly IPAddress[] _many;

    public ConnectionTests()
    {
        _ns.Ip("link add v0 type veth peer name v1");
        _v0 = _ns.IfIndex("v0");
        _rtnl = RtNetlink.Open(_ns.Namespace);
        // ~2,000 addresses make a dump of well over 100 KiB: several datagrams, so the loop must stitch them.
        _many = Enumerable.Range(0, 2000).Select(i => new IPAddress(new byte[] { 10, 123, (byte)(i / 250), (byte)(i % 250 + 1) })).ToArray();
        var results = new Errno[_many.Length];
        Assert.Equal(0, _rtnl.Addresses.ReplaceMany(_v0, _many, 32, AddressOptions.Permanent(AddressFlags.NoPrefixRoute), results));
    }

    public void Dispose()
    {
        _rtnl.Dispose();
        _ns.Dispose();
    }

    [Fact]
    public void Multi_datagram_dump_returns_everything_once()
    {
        var dump = _rtnl.Addresses.List(AddressFamily.InterNetwork, _v0);
        Assert.False(dump.Interrupted);
        Assert.Equal(_many.Length, dump.Count);
        Assert.Equal(_many.Length, dump.Select(a => a.Address).Distinct().Count());
    }

    [Fact]
    public void Change_during_a_dump_is_reported_as_interrupted()
    {
        using var connection = NetlinkConnection.Open(_ns.Namespace);
        bool interrupted;
        int seen = 0;
        lock (connection.SyncRoot)
        {
            var request = AddressMessage.Dump(connection.RequestBuffer, AddressFamily.InterNetwork);
            var replies = connection.Query(ref request, "dump addresses");
            try
            {
                while (replies.MoveNext())
                {
                    // After the first datagram's worth, another process changes the table.
                    if (++seen == 10) _rtnl.Addresses.Delete(_v0, _many[^1], 32);
                }
                interrupted = replies.Interrupted;
            }
            finally
            {
                replies.Dispose();
            }
        }
        Assert.True(seen > 10);
        Assert.True(interrupted, "the kernel marks a dump that raced a change with NLM_F_DUMP_INTR");
    }

    [Fact]
    public void Replies_to_an_abandoned_dump_are_skipped_by_sequence_number()
    {
        using var connection = NetlinkConnection.Open(_ns.Namespace);
        var addresses = new AddressService(connection);
        lock (connection.SyncRoot)
        {
            var request = AddressMessage.Dump(connection.RequestBuffer, AddressFamily.InterNetwork);
            var replies = connection.Query(ref request, "dump addresses");
            Assert.True(replies.MoveNext());
            // Abandoned without Dispose: the rest of that dump is still queued on the socket.
        }
        // The next request's reply loop must skip the older sequence numbers and find its own ACK.
        addresses.Replace(_v0, IPAddress.Parse("10.124.0.1"), 32, AddressOptions.Permanent());
        Assert.NotNull(_ns.Address("v0", "10.124.0.1"));
        addresses.Delete(_v0, IPAddress.Parse("10.124.0.1"), 32);
        Assert.Null(_ns.Address("v0", "10.124.0.1"));
    }

    [Fact]
    public void A_datagram_larger_than_the_buffer_is_reported_not_truncated_silently()
    {
        using var socket = _ns.Namespace.Run(() => NetlinkSocket.Open(TimeSpan.FromSeconds(5)));
        var request = new byte[64];
        var dump = AddressMessage.Dump(request, AddressFamily.InterNetwork).Finish(1, socket.PortId);
        Assert.Equal(Errno.None, socket.Send(dump));
        var small = new byte[64];
        Assert.Equal(Errno.EMSGSIZE, socket.Receive(small, out _));
    }
}
