using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Purelb.Netlink.Codec;
using Purelb.Netlink.Interop;
using static Purelb.Netlink.Interop.NetlinkConstants;

namespace Purelb.Netlink.Route;

/// <summary>RTM_GETROUTE dump request (agent.md §8.4) and RTM_NEWROUTE decoding, including RTA_MULTIPATH.</summary>
public static class RouteMessage
{
    private const int RtNexthopSize = 8;

    public static NetlinkMessageWriter Dump(Span<byte> buffer, AddressFamily family)
    {
        var w = new NetlinkMessageWriter(buffer, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP);
        w.WriteStruct(new RtMsg { rtm_family = AddressMessage.ToKernelFamily(family) });
        return w;
    }

    /// <summary>Decodes RTM_NEWROUTE / RTM_DELROUTE; anything malformed throws <see cref="NetlinkDecodeException"/>.</summary>
    public static RouteInfo Decode(in NetlinkMessage message)
    {
        DecodeError error = default;
        return DecodeCore(message, ref error, throwOnError: true)!;
    }

    /// <summary>Non-throwing form of <see cref="Decode"/>.</summary>
    public static bool TryDecode(in NetlinkMessage message, [NotNullWhen(true)] out RouteInfo? route, out DecodeError error)
    {
        error = default;
        route = DecodeCore(message, ref error, throwOnError: false);
        return route is not null;
    }

    private static RouteInfo? DecodeCore(in NetlinkMessage message, ref DecodeError error, bool throwOnError)
    {
        if (message.Type is not (RTM_NEWROUTE or RTM_DELROUTE))
        {
            DecodeError.Fail(ref error, "expected a route message", message.Offset, throwOnError);
            return null;
        }
        if (!message.TryReadFamilyHeader<RtMsg>(out var header, out var attrs, ref error, throwOnError)) return null;
        var family = header.rtm_family switch
        {
            SocketConstants.AF_INET => AddressFamily.InterNetwork,
            SocketConstants.AF_INET6 => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unknown,
        };
        int addressLength = family == AddressFamily.InterNetwork ? 4 : family == AddressFamily.InterNetworkV6 ? 16 : 0;
        IPAddress? destination = null, gateway = null;
        int oif = 0;
        uint priority = 0;
        List<NextHop>? multipath = null;
        while (attrs.MoveNext())
        {
            switch (attrs.Type)
            {
                case RTA_DST: destination = ReadAddress(ref attrs, addressLength); break;
                case RTA_GATEWAY: gateway = ReadAddress(ref attrs, addressLength); break;
                case RTA_OIF: oif = attrs.GetS32(); break;
                case RTA_PRIORITY: priority = attrs.GetU32(); break;
                case RTA_MULTIPATH: multipath = DecodeMultipath(ref attrs, addressLength); break;
            }
        }
        if (attrs.Error.IsError)
        {
            error = attrs.Error;
            return null;
        }
        IReadOnlyList<NextHop> hops = multipath is { Count: > 0 }
            ? multipath
            : oif != 0 || gateway is not null ? [new NextHop(oif, gateway, 0)] : [];
        return new RouteInfo(family, destination, header.rtm_dst_len, header.rtm_table, header.rtm_flags, priority, hops);
    }

    /// <summary>
    /// RTA_MULTIPATH is a run of rtnexthop structs (len u16, flags u8, hops u8, ifindex s32), each followed by
    /// its own attributes (RTA_GATEWAY...) within rtnh_len. Errors are recorded in <paramref name="owner"/>.
    /// </summary>
    private static List<NextHop>? DecodeMultipath(ref AttributeReader owner, int addressLength)
    {
        var data = owner.Value;
        int baseOffset = owner.ValueOffset;
        var hops = new List<NextHop>();
        int at = 0;
        while (at < data.Length)
        {
            if (data.Length - at < RtNexthopSize) return Failed(ref owner, "rtnexthop truncated", baseOffset + at);
            var nh = MemoryMarshal.Read<RtNexthop>(data.Slice(at));
            if (nh.rtnh_len < RtNexthopSize) return Failed(ref owner, "rtnh_len below rtnexthop size", baseOffset + at);
            if (nh.rtnh_len > data.Length - at) return Failed(ref owner, "rtnh_len past end of RTA_MULTIPATH", baseOffset + at);
            IPAddress? gateway = null;
            var attrs = new AttributeReader(data.Slice(at + RtNexthopSize, nh.rtnh_len - RtNexthopSize),
                baseOffset + at + RtNexthopSize, owner.ThrowsOnError);
            while (attrs.MoveNext())
                if (attrs.Type == RTA_GATEWAY) gateway = ReadAddress(ref attrs, addressLength);
            if (!owner.Absorb(attrs)) return null;
            hops.Add(new NextHop(nh.rtnh_ifindex, gateway, (byte)(nh.rtnh_hops + 1)));
            at += NetlinkConstants.Align(nh.rtnh_len);
        }
        return hops;
    }

    private static List<NextHop>? Failed(ref AttributeReader owner, string reason, int offset)
    {
        owner.Fail(reason, offset);
        return null;
    }

    private static IPAddress? ReadAddress(ref AttributeReader attrs, int expectedLength)
    {
        if (expectedLength != 0 && attrs.Value.Length == expectedLength) return new IPAddress(attrs.Value);
        attrs.Fail("route address attribute has the wrong length for its family", attrs.ValueOffset);
        return null;
    }
}
