using System.Net;
using System.Net.Sockets;
using Purelb.Election;

namespace Purelb.Kube.Agent;

/// <summary>One <c>node,interface,ip</c> entry of <c>purelb.io/announcing-IPv4</c>/<c>-IPv6</c>.</summary>
public sealed record AnnouncingEntry(string Node, string Interface, IPAddress Address);

/// <summary>
/// Parse and canonical encoding of the announcing annotations (agent.md §6.2): space-separated entries; node
/// before the first comma, address after the last, interface in between; sorted by address then node then
/// interface, one entry per address.
/// </summary>
public static class AnnouncingAnnotation
{
    public static string KeyFor(AddressFamily family) =>
        family == AddressFamily.InterNetworkV6 ? Annotations.AnnouncingIpv6 : Annotations.AnnouncingIpv4;

    public static List<AnnouncingEntry> Parse(string? value)
    {
        var result = new List<AnnouncingEntry>();
        if (string.IsNullOrWhiteSpace(value)) return result;
        foreach (var token in value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            int first = token.IndexOf(',');
            int last = token.LastIndexOf(',');
            if (first < 0 || last == first) continue;
            var node = token[..first];
            var iface = token[(first + 1)..last];
            var ipText = token[(last + 1)..];
            if (node.Length == 0 || iface.Length == 0 || ipText.Contains('%')) continue;
            if (!IpText.TryParseAddress(ipText, out var ip)) continue;
            result.Add(new AnnouncingEntry(node, iface, ElectionKey.Normalize(ip)));
        }
        return result;
    }

    /// <summary>Canonical text, or null when there is nothing (the key is then deleted).</summary>
    public static string? Encode(IEnumerable<AnnouncingEntry> entries)
    {
        var sorted = entries
            .OrderBy(e => e.Address.AddressFamily == AddressFamily.InterNetwork ? 0 : 1)
            .ThenBy(e => e.Address.GetAddressBytes(), ByteOrder.Instance)
            .ThenBy(e => e.Node, StringComparer.Ordinal)
            .ThenBy(e => e.Interface, StringComparer.Ordinal);
        var seen = new HashSet<IPAddress>();
        var parts = new List<string>();
        foreach (var e in sorted)
        {
            if (seen.Add(e.Address)) parts.Add($"{e.Node},{e.Interface},{ElectionKey.Format(e.Address)}");
        }
        return parts.Count == 0 ? null : string.Join(' ', parts);
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
