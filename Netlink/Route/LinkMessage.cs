using System.Diagnostics.CodeAnalysis;
using System.Text;
using Purelb.Netlink.Codec;
using Purelb.Netlink.Interop;
using static Purelb.Netlink.Interop.NetlinkConstants;

namespace Purelb.Netlink.Route;

/// <summary>Encoding of RTM_*LINK requests (agent.md §8.2) and decoding of RTM_NEWLINK/RTM_DELLINK.</summary>
public static class LinkMessage
{
    /// <summary>Names longer than IFNAMSIZ-1 can only be alternative names.</summary>
    private const int MaxIfNameBytes = 15;

    public static NetlinkMessageWriter GetByName(Span<byte> buffer, string name)
    {
        var w = new NetlinkMessageWriter(buffer, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK);
        w.WriteStruct(new IfInfoMsg { ifi_family = SocketConstants.AF_UNSPEC });
        w.PutU32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
        w.PutString(Encoding.UTF8.GetByteCount(name) > MaxIfNameBytes ? IFLA_ALT_IFNAME : IFLA_IFNAME, name);
        return w;
    }

    public static NetlinkMessageWriter GetByIndex(Span<byte> buffer, int index)
    {
        var w = new NetlinkMessageWriter(buffer, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK);
        w.WriteStruct(new IfInfoMsg { ifi_family = SocketConstants.AF_UNSPEC, ifi_index = index });
        w.PutU32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
        return w;
    }

    public static NetlinkMessageWriter Dump(Span<byte> buffer)
    {
        var w = new NetlinkMessageWriter(buffer, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP);
        w.WriteStruct(new IfInfoMsg { ifi_family = SocketConstants.AF_UNSPEC });
        return w;
    }

    /// <summary>RTM_NEWLINK CREATE|EXCL: name (NUL-terminated) and IFLA_LINKINFO { IFLA_INFO_KIND without NUL }.</summary>
    public static NetlinkMessageWriter Create(Span<byte> buffer, string name, string kind)
    {
        ValidateName(name);
        var w = new NetlinkMessageWriter(buffer, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
        w.WriteStruct(new IfInfoMsg());
        w.PutString(IFLA_IFNAME, name);
        int linkInfo = w.BeginNested(IFLA_LINKINFO);
        w.PutStringNoNul(IFLA_INFO_KIND, kind);
        w.EndNested(linkInfo);
        return w;
    }

    /// <summary>A veth pair: the peer is an ifinfomsg plus its name inside IFLA_INFO_DATA { VETH_INFO_PEER }.</summary>
    public static NetlinkMessageWriter CreateVeth(Span<byte> buffer, string name, string peerName)
    {
        ValidateName(name);
        ValidateName(peerName);
        var w = new NetlinkMessageWriter(buffer, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
        w.WriteStruct(new IfInfoMsg());
        w.PutString(IFLA_IFNAME, name);
        int linkInfo = w.BeginNested(IFLA_LINKINFO);
        w.PutStringNoNul(IFLA_INFO_KIND, "veth");
        int data = w.BeginNested(IFLA_INFO_DATA);
        int peer = w.BeginNested(VETH_INFO_PEER);
        w.WriteStruct(new IfInfoMsg());
        w.PutString(IFLA_IFNAME, peerName);
        w.EndNested(peer);
        w.EndNested(data);
        w.EndNested(linkInfo);
        return w;
    }

    /// <summary>RTM_NEWLINK with IFF_UP in the change mask, and in the flags when <paramref name="up"/>.</summary>
    public static NetlinkMessageWriter SetUp(Span<byte> buffer, int index, bool up = true)
    {
        var w = new NetlinkMessageWriter(buffer, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
        w.WriteStruct(new IfInfoMsg { ifi_family = SocketConstants.AF_UNSPEC, ifi_index = index, ifi_flags = up ? IFF_UP : 0, ifi_change = IFF_UP });
        return w;
    }

    public static NetlinkMessageWriter Delete(Span<byte> buffer, int index)
    {
        var w = new NetlinkMessageWriter(buffer, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK);
        w.WriteStruct(new IfInfoMsg { ifi_family = SocketConstants.AF_UNSPEC, ifi_index = index });
        return w;
    }

    /// <summary>Decodes RTM_NEWLINK / RTM_DELLINK; anything malformed throws <see cref="NetlinkDecodeException"/>.</summary>
    public static LinkInfo Decode(in NetlinkMessage message)
    {
        DecodeError error = default;
        return DecodeCore(message, ref error, throwOnError: true)!;
    }

    /// <summary>Non-throwing form of <see cref="Decode"/>: null link and the error instead of an exception.</summary>
    public static bool TryDecode(in NetlinkMessage message, [NotNullWhen(true)] out LinkInfo? link, out DecodeError error)
    {
        error = default;
        link = DecodeCore(message, ref error, throwOnError: false);
        return link is not null;
    }

    private static LinkInfo? DecodeCore(in NetlinkMessage message, ref DecodeError error, bool throwOnError)
    {
        if (message.Type is not (RTM_NEWLINK or RTM_DELLINK))
        {
            DecodeError.Fail(ref error, "expected a link message", message.Offset, throwOnError);
            return null;
        }
        if (!message.TryReadFamilyHeader<IfInfoMsg>(out var header, out var attrs, ref error, throwOnError)) return null;
        string? name = null;
        string? kind = null;
        byte[] mac = [];
        uint mtu = 0;
        int master = 0;
        List<string>? altNames = null;
        while (attrs.MoveNext())
        {
            switch (attrs.Type)
            {
                case IFLA_IFNAME: name = attrs.GetString(); break;
                case IFLA_ADDRESS: mac = attrs.Value.ToArray(); break;
                case IFLA_MTU: mtu = attrs.GetU32(); break;
                case IFLA_MASTER: master = attrs.GetS32(); break;
                case IFLA_LINKINFO:
                    var info = attrs.GetNested();
                    while (info.MoveNext())
                        if (info.Type == IFLA_INFO_KIND) kind = info.GetString();
                    attrs.Absorb(info);
                    break;
                case IFLA_PROP_LIST:
                    var props = attrs.GetNested();
                    while (props.MoveNext())
                        if (props.Type == IFLA_ALT_IFNAME) (altNames ??= []).Add(props.GetString());
                    attrs.Absorb(props);
                    break;
            }
        }
        if (attrs.Error.IsError)
        {
            error = attrs.Error;
            return null;
        }
        if (name is null)
        {
            DecodeError.Fail(ref error, "link message without IFLA_IFNAME", message.PayloadOffset, throwOnError);
            return null;
        }
        return new LinkInfo(header.ifi_index, name, header.ifi_flags, header.ifi_type, mac, mtu, kind, master,
            (IReadOnlyList<string>?)altNames ?? []);
    }

    private static void ValidateName(string name)
    {
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes is 0 or > MaxIfNameBytes || name.Contains('/') || name.Contains(' ') || name.Contains('\0'))
            throw new ArgumentException($"'{name}' is not a valid interface name (1-15 bytes, no '/', space or NUL)", nameof(name));
    }
}
