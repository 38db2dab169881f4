using System.Net;
using System.Runtime.InteropServices;
using Purelb.Netlink;
using Purelb.Netlink.Interop;
using Purelb.Netlink.Route;
using Xunit;

namespace Purelb.Tests.Netlink;

/// <summary>
/// EPERM end to end: capabilities are per thread on Linux, so a dedicated thread drops CAP_NET_ADMIN and
/// CAP_NET_RAW and then uses the library; the rest of the test process keeps them.
/// </summary>
[Trait("Category", "Kernel")]
public sealed unsafe partial class PermissionTests : IDisposable
{
    private const int CAP_NET_ADMIN = 12;
    private const int CAP_NET_RAW = 13;

    private readonly TestNamespace _ns = new();

    public PermissionTests() => _ns.Ip("link add v0 type veth peer name v1");

    public void Dispose() => _ns.Dispose();

    [Fact]
    public void Missing_CAP_NET_ADMIN_says_so()
    {
        int index = _ns.IfIndex("v0");
        var error = RunWithoutNetworkCapabilities(() =>
        {
            using var rtnl = RtNetlink.Open(_ns.Namespace);
            rtnl.Addresses.Replace(index, IPAddress.Parse("192.0.2.1"), 24, AddressOptions.Permanent());
        });
        var e = Assert.IsType<NetlinkException>(error);
        Assert.Equal(Errno.EPERM, e.Errno);
        Assert.Contains("needs CAP_NET_ADMIN", e.Message);
        Assert.Contains("192.0.2.1/24", e.Message);
        Assert.Null(_ns.Address("v0", "192.0.2.1"));
    }

    [Fact]
    public void Missing_CAP_NET_RAW_fails_the_ARP_sender_clearly()
    {
        var error = RunWithoutNetworkCapabilities(() => new Purelb.Netlink.Raw.GratuitousArpSender(_ns.Namespace).Dispose());
        var e = Assert.IsType<NetlinkException>(error);
        Assert.Equal(Errno.EPERM, e.Errno);
        Assert.Contains("AF_PACKET", e.Message);
    }

    private static Exception? RunWithoutNetworkCapabilities(Action action)
    {
        Exception? caught = null;
        var thread = new Thread(() =>
        {
            try
            {
                var header = new CapHeader { version = 0x20080522, pid = 0 };
                var data = stackalloc CapData[2];
                if (CapGet(&header, data) != 0) throw new InvalidOperationException("capget failed");
                uint drop = (1u << CAP_NET_ADMIN) | (1u << CAP_NET_RAW);
                data[0].effective &= ~drop;
                data[0].permitted &= ~drop;
                data[0].inheritable &= ~drop;
                if (CapSet(&header, data) != 0) throw new InvalidOperationException("capset failed: " + Marshal.GetLastPInvokeError());
                action();
            }
            catch (Exception e)
            {
                caught = e;
            }
        });
        thread.Start();
        thread.Join();
        return caught;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapHeader
    {
        public uint version;
        public int pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapData
    {
        public uint effective;
        public uint permitted;
        public uint inheritable;
    }

    [LibraryImport("libc", EntryPoint = "capget", SetLastError = true)]
    private static partial int CapGet(CapHeader* header, CapData* data);

    [LibraryImport("libc", EntryPoint = "capset", SetLastError = true)]
    private static partial int CapSet(CapHeader* header, CapData* data);
}
