using Purelb.Netlink;
using Purelb.Netlink.Interop;
using Xunit;

namespace Purelb.Tests.Netlink;

/// <summary>Link operations against the real kernel, checked with `ip -j -d link`. Runs as root in its own namespace.</summary>
[Trait("Category", "Kernel")]
public sealed class LinkServiceTests : IDisposable
{
    private readonly TestNamespace _ns = new();
    private readonly RtNetlink _rtnl;

    public LinkServiceTests()
    {
        _rtnl = RtNetlink.Open(_ns.Namespace);
    }

    public void Dispose()
    {
        _rtnl.Dispose();
        _ns.Dispose();
    }

    [Fact]
    public void Get_by_name_and_index_agree_with_ip()
    {
        _ns.Ip("link add v0 type veth peer name v1");
        _ns.Ip("link set v0 mtu 1400");
        var ip = _ns.IpJson("-d link show dev v0")[0];

        var byName = _rtnl.Links.GetByName("v0");
        Assert.Equal(ip.GetProperty("ifindex").GetInt32(), byName.Index);
        Assert.Equal(1400u, byName.Mtu);
        Assert.Equal(ip.GetProperty("address").GetString(), string.Join(':', byName.HardwareAddress.Select(b => b.ToString("x2"))));
        Assert.Equal("veth", byName.Kind);
        Assert.Equal(ip.GetProperty("linkinfo").GetProperty("info_kind").GetString(), byName.Kind);
        Assert.False(byName.IsUp);

        var byIndex = _rtnl.Links.GetByIndex(byName.Index);
        Assert.Equal((byName.Index, byName.Name, byName.Flags, byName.Mtu, byName.Kind), (byIndex.Index, byIndex.Name, byIndex.Flags, byIndex.Mtu, byIndex.Kind));
        Assert.Equal(byName.HardwareAddress, byIndex.HardwareAddress);
    }

    [Fact]
    public void Missing_link_is_null_or_ENODEV()
    {
        Assert.Null(_rtnl.Links.TryGetByName("nosuchlink"));
        Assert.Null(_rtnl.Links.TryGetByIndex(4242));
        var e = Assert.Throws<NetlinkException>(() => _rtnl.Links.GetByName("nosuchlink"));
        Assert.Equal(Errno.ENODEV, e.Errno);
        Assert.Contains("link not found", e.Message);
        var d = Assert.Throws<NetlinkException>(() => _rtnl.Links.Delete(4242));
        Assert.Equal(Errno.ENODEV, d.Errno);
    }

    [Fact]
    public void Dump_lists_what_ip_lists()
    {
        _ns.Ip("link add v0 type veth peer name v1");
        _ns.Ip("link add br0 type bridge");
        var dump = _rtnl.Links.List();
        var ip = _ns.IpJson("link show").EnumerateArray().Select(l => (l.GetProperty("ifindex").GetInt32(), l.GetProperty("ifname").GetString())).Order();
        Assert.Equal(ip, dump.Select(l => (l.Index, (string?)l.Name)).Order());
        Assert.False(dump.Interrupted);
        Assert.Contains(dump, l => l.IsLoopback && l.Name == "lo");
    }

    [Fact]
    public void Create_veth_set_up_and_delete_through_the_codec()
    {
        _rtnl.Links.CreateVeth("nla0", "nlb0");
        var ip = _ns.IpJson("-d link show dev nla0")[0];
        Assert.Equal("veth", ip.GetProperty("linkinfo").GetProperty("info_kind").GetString());
        Assert.Equal("nlb0", ip.GetProperty("link").GetString());

        var a = _rtnl.Links.GetByName("nla0");
        var b = _rtnl.Links.GetByName("nlb0");
        Assert.DoesNotContain("UP", Flags("nla0"));
        _rtnl.Links.SetUp(a.Index);
        _rtnl.Links.SetUp(b.Index);
        Assert.Contains("UP", Flags("nla0"));
        Assert.True(_rtnl.Links.GetByIndex(a.Index).IsUp);
        _rtnl.Links.SetDown(a.Index);
        Assert.DoesNotContain("UP", Flags("nla0"));

        _rtnl.Links.Delete(a.Index);
        Assert.DoesNotContain("nla0", _ns.Ip("link show"));
        Assert.DoesNotContain("nlb0", _ns.Ip("link show")); // deleting one end removes the pair
    }

    [Fact]
    public void Create_bridge_through_the_codec_and_EEXIST_on_repeat()
    {
        _rtnl.Links.Create("nlbr0", "bridge");
        var ip = _ns.IpJson("-d link show dev nlbr0")[0];
        Assert.Equal("bridge", ip.GetProperty("linkinfo").GetProperty("info_kind").GetString());
        var again = Assert.Throws<NetlinkException>(() => _rtnl.Links.Create("nlbr0", "bridge"));
        Assert.Equal(Errno.EEXIST, again.Errno);
        Assert.True(again.IsAlreadyExists);
    }

    [Fact]
    public void Create_dummy_refusal_is_a_clear_error()
    {
        // This kernel has no dummy driver; the request itself is pinned in GoldenRequestTests. The refusal must
        // name the link, the kind and the kernel's reason, and leave nothing behind.
        var e = Assert.Throws<NetlinkException>(() => _rtnl.Links.CreateDummy("kube-lb0"));
        Assert.Equal(Errno.EOPNOTSUPP, e.Errno);
        Assert.Contains("kube-lb0", e.Message);
        Assert.Contains("no 'dummy' link type", e.Message);
        Assert.Equal("Unknown device type", e.ExtAckMessage);
        Assert.Null(_rtnl.Links.TryGetByName("kube-lb0"));
    }

    private List<string?> Flags(string device) =>
        _ns.IpJson("link show dev " + device)[0].GetProperty("flags").EnumerateArray().Select(f => f.GetString()).ToList();
}
