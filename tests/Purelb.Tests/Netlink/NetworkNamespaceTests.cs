using Purelb.Netlink;
using Purelb.Netlink.Interop;
using Xunit;

namespace Purelb.Tests.Netlink;

/// <summary>One process drives several "nodes": each connection sees only its own namespace.</summary>
[Trait("Category", "Kernel")]
public sealed class NetworkNamespaceTests
{
    [Fact]
    public void Connections_in_two_namespaces_see_only_their_own_links()
    {
        using var a = new TestNamespace();
        using var b = new TestNamespace();
        a.Ip("link add only-a type bridge");
        b.Ip("link add only-b type bridge");
        string before = new FileInfo("/proc/thread-self/ns/net").LinkTarget ?? "";

        using var ra = RtNetlink.Open(a.Namespace);
        using var rb = RtNetlink.Open(b.Namespace);
        Assert.NotNull(ra.Links.TryGetByName("only-a"));
        Assert.Null(ra.Links.TryGetByName("only-b"));
        Assert.NotNull(rb.Links.TryGetByName("only-b"));
        Assert.Null(rb.Links.TryGetByName("only-a"));

        // The calling thread never left its own namespace.
        Assert.Equal(before, new FileInfo("/proc/thread-self/ns/net").LinkTarget ?? "");
        Assert.NotEqual(before, a.Namespace.Run(() => new FileInfo("/proc/thread-self/ns/net").LinkTarget ?? ""));
    }

    [Fact]
    public void Unknown_namespace_is_a_clear_error()
    {
        var e = Assert.Throws<NetlinkException>(() => NetworkNamespace.Open("plb-nl-does-not-exist"));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains("plb-nl-does-not-exist", e.Message);
        Assert.Throws<ArgumentException>(() => NetworkNamespace.Open("../etc"));
    }
}
