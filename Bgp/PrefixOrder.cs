using System.Net;
using System.Net.Sockets;

namespace Purelb.Bgp;

/// <summary>The one order in which prefixes are announced and withdrawn: IPv4 before IPv6, then by address
/// bytes, then shorter prefix first — so logs and request sequences are the same on every run.</summary>
public sealed class PrefixOrder : IComparer<IPNetwork>
{
    public static readonly PrefixOrder Instance = new();

    public int Compare(IPNetwork x, IPNetwork y)
    {
        var fx = x.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 0 : 1;
        var fy = y.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 0 : 1;
        if (fx != fy) return fx.CompareTo(fy);
        Span<byte> bx = stackalloc byte[16];
        Span<byte> by = stackalloc byte[16];
        x.BaseAddress.TryWriteBytes(bx, out var nx);
        y.BaseAddress.TryWriteBytes(by, out var ny);
        var c = bx[..nx].SequenceCompareTo(by[..ny]);
        return c != 0 ? c : x.PrefixLength.CompareTo(y.PrefixLength);
    }
}
