using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Purelb.Netlink.Codec;
using Purelb.Netlink.Interop;
using static Purelb.Netlink.Interop.NetlinkConstants;

namespace Purelb.Netlink.Route;

/// <summary>Encoding of RTM_*ADDR requests (agent.md §8.3) and decoding of RTM_NEWADDR/RTM_DELADDR.</summary>
public static class AddressMessage
{
    public static NetlinkMessageWriter Dump(Span<byte> buffer, AddressFamily family = AddressFamily.Unspecified)
    {
        var w = new NetlinkMessageWriter(buffer, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP);
        w.WriteStruct(new IfAddrMsg { ifa_family = ToKernelFamily(family) });
        return w;
    }

    /// <summary>
    /// RTM_NEWADDR in the order of agent.md §8.3: IFA_LOCAL, IFA_ADDRESS, flags (ifa_flags when they fit in a byte,
    /// otherwise IFA_FLAGS), IFA_BROADCAST for IPv4 shorter than /31, IFA_CACHEINFO unless permanent.
    /// <paramref name="replace"/> sends CREATE|REPLACE (add or renew), otherwise CREATE|EXCL (EEXIST if present).
    /// </summary>
    public static NetlinkMessageWriter Add(Span<byte> buffer, int index, IPAddress address, byte prefixLength,
        in AddressOptions options, bool replace = true)
    {
        ushort flags = (ushort)(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | (replace ? NLM_F_REPLACE : NLM_F_EXCL));
        var w = new NetlinkMessageWriter(buffer, RTM_NEWADDR, flags);
        uint flagWord = (uint)options.Flags;
        WriteAddressBody(ref w, index, address, prefixLength, flagWord <= 0xFF ? (byte)flagWord : (byte)0);
        if (flagWord > 0xFF) w.PutU32(IFA_FLAGS, flagWord);
        PutBroadcast(ref w, address, prefixLength);
        if (options.ValidLifetime > 0 || options.PreferredLifetime > 0)
        {
            w.PutStruct(IFA_CACHEINFO, new IfaCacheinfo
            {
                ifa_prefered = options.PreferredLifetime,
                ifa_valid = options.ValidLifetime,
            });
        }
        return w;
    }

    /// <summary>RTM_DELADDR: ifaddrmsg with the prefix length, IFA_LOCAL, IFA_ADDRESS (and IFA_BROADCAST for IPv4 &lt; /31).</summary>
    public static NetlinkMessageWriter Delete(Span<byte> buffer, int index, IPAddress address, byte prefixLength)
    {
        var w = new NetlinkMessageWriter(buffer, RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK);
        WriteAddressBody(ref w, index, address, prefixLength, 0);
        PutBroadcast(ref w, address, prefixLength);
        return w;
    }

    private static void WriteAddressBody(ref NetlinkMessageWriter w, int index, IPAddress address, byte prefixLength, byte headerFlags)
    {
        var family = address.AddressFamily;
        int maxPrefix = family == AddressFamily.InterNetwork ? 32 : family == AddressFamily.InterNetworkV6 ? 128 : -1;
        if (maxPrefix < 0) throw new ArgumentException($"{address} is neither IPv4 nor IPv6", nameof(address));
        if (prefixLength > maxPrefix) throw new ArgumentOutOfRangeException(nameof(prefixLength), $"/{prefixLength} is too long for {address}");
        if (index <= 0) throw new ArgumentOutOfRangeException(nameof(index), "interface index must be positive");
        w.WriteStruct(new IfAddrMsg
        {
            ifa_family = ToKernelFamily(family),
            ifa_prefixlen = prefixLength,
            ifa_flags = headerFlags,
            ifa_scope = 0,
            ifa_index = (uint)index,
        });
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int written);
        w.PutBytes(IFA_LOCAL, bytes.Slice(0, written));
        w.PutBytes(IFA_ADDRESS, bytes.Slice(0, written));
    }

    private static void PutBroadcast(ref NetlinkMessageWriter w, IPAddress address, byte prefixLength)
    {
        if (address.AddressFamily != AddressFamily.InterNetwork || prefixLength >= 31) return;
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        uint host = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
        uint mask = prefixLength == 0 ? 0u : uint.MaxValue << (32 - prefixLength);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, host | ~mask);
        w.PutBytes(IFA_BROADCAST, bytes);
    }

    /// <summary>Decodes RTM_NEWADDR / RTM_DELADDR; anything malformed throws <see cref="NetlinkDecodeException"/>.</summary>
    public static AddressInfo Decode(in NetlinkMessage message)
    {
        DecodeError error = default;
        return DecodeCore(message, ref error, throwOnError: true)!;
    }

    /// <summary>Non-throwing form of <see cref="Decode"/>.</summary>
    public static bool TryDecode(in NetlinkMessage message, [NotNullWhen(true)] out AddressInfo? address, out DecodeError error)
    {
        error = default;
        address = DecodeCore(message, ref error, throwOnError: false);
        return address is not null;
    }

    private static AddressInfo? DecodeCore(in NetlinkMessage message, ref DecodeError error, bool throwOnError)
    {
        if (message.Type is not (RTM_NEWADDR or RTM_DELADDR))
        {
            DecodeError.Fail(ref error, "expected an address message", message.Offset, throwOnError);
            return null;
        }
        if (!message.TryReadFamilyHeader<IfAddrMsg>(out var header, out var attrs, ref error, throwOnError)) return null;
        int addressLength = header.ifa_family switch
        {
            SocketConstants.AF_INET => 4,
            SocketConstants.AF_INET6 => 16,
            _ => 0,
        };
        if (addressLength == 0)
        {
            DecodeError.Fail(ref error, "address family is neither AF_INET nor AF_INET6", message.PayloadOffset, throwOnError);
            return null;
        }
        if (header.ifa_prefixlen > addressLength * 8)
        {
            DecodeError.Fail(ref error, "prefix length too long for the address family", message.PayloadOffset + 1, throwOnError);
            return null;
        }
        IPAddress? local = null, peer = null, broadcast = null;
        string? label = null;
        uint flags = header.ifa_flags;
        uint valid = AddressInfo.Forever, preferred = AddressInfo.Forever;
        while (attrs.MoveNext())
        {
            switch (attrs.Type)
            {
                case IFA_LOCAL: local = ReadAddress(ref attrs, addressLength); break;
                case IFA_ADDRESS: peer = ReadAddress(ref attrs, addressLength); break;
                case IFA_BROADCAST: broadcast = ReadAddress(ref attrs, 4); break;
                case IFA_LABEL: label = attrs.GetString(); break;
                case IFA_FLAGS: flags = attrs.GetU32(); break; // authoritative when present
                case IFA_CACHEINFO:
                    var cache = attrs.GetStruct<IfaCacheinfo>();
                    valid = cache.ifa_valid;
                    preferred = cache.ifa_prefered;
                    break;
            }
        }
        if (attrs.Error.IsError)
        {
            error = attrs.Error;
            return null;
        }
        var address = local ?? peer;
        if (address is null)
        {
            DecodeError.Fail(ref error, "address message without IFA_LOCAL or IFA_ADDRESS", message.PayloadOffset, throwOnError);
            return null;
        }
        return new AddressInfo((int)header.ifa_index, address, header.ifa_prefixlen, header.ifa_scope, (AddressFlags)flags,
            label, broadcast, valid, preferred);
    }

    private static IPAddress? ReadAddress(ref AttributeReader attrs, int expectedLength)
    {
        if (attrs.Value.Length == expectedLength) return new IPAddress(attrs.Value);
        attrs.Fail("address attribute has the wrong length for its family", attrs.ValueOffset);
        return null;
    }

    internal static byte ToKernelFamily(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => SocketConstants.AF_INET,
        AddressFamily.InterNetworkV6 => SocketConstants.AF_INET6,
        AddressFamily.Unspecified => SocketConstants.AF_UNSPEC,
        _ => throw new ArgumentException($"unsupported address family {family}", nameof(family)),
    };
}
