using System.Net;
using Purelb.Kube.Agent;
using Xunit;

namespace Purelb.Tests.Agent;

public class AnnouncingAnnotationTests
{
    [Fact]
    public void Parse_takes_node_before_first_comma_and_ip_after_last_and_drops_malformed_entries()
    {
        var entries = AnnouncingAnnotation.Parse("n1,eth0,192.0.2.5  n2,we,ird,2001:db8::5 kube-lb0 n3,eth0 ,eth0,192.0.2.6 n4,eth0,fe80::1%eth0 n5,eth0,::ffff:192.0.2.7");
        Assert.Equal(
            [("n1", "eth0", "192.0.2.5"), ("n2", "we,ird", "2001:db8::5"), ("n5", "eth0", "192.0.2.7")],
            entries.Select(e => (e.Node, e.Interface, e.Address.ToString())));
    }

    [Fact]
    public void Encode_sorts_v4_before_v6_numerically_keeps_one_entry_per_ip_and_returns_null_when_empty()
    {
        var text = AnnouncingAnnotation.Encode([
            new("n2", "eth0", IPAddress.Parse("2001:db8::1")),
            new("n2", "eth0", IPAddress.Parse("192.0.2.10")),
            new("n1", "eth1", IPAddress.Parse("192.0.2.9")),
            new("n1", "eth0", IPAddress.Parse("192.0.2.10")),
        ]);
        Assert.Equal("n1,eth1,192.0.2.9 n1,eth0,192.0.2.10 n2,eth0,2001:db8::1", text);
        Assert.Null(AnnouncingAnnotation.Encode([]));
    }
}
