using System.Net;

namespace Purelb.Modes.Agent.Model;

/// <summary>What a <see cref="RemoteAddressBook"/> update changed on the dummy interface.</summary>
/// <param name="Added">Addresses no Service wanted before.</param>
/// <param name="Removed">Addresses no Service wants any more (with the length they were held at).</param>
/// <param name="Changed">Addresses still wanted but at another prefix length: remove Before, add After.</param>
public sealed record RemoteBookChange(IReadOnlyList<RemoteAddress> Added, IReadOnlyList<RemoteAddress> Removed, IReadOnlyList<(RemoteAddress Before, RemoteAddress After)> Changed)
{
    public static RemoteBookChange None { get; } = new([], [], []);

    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0;
}

/// <summary>
/// The remote addresses this node holds, reference-counted by Service. A VIP shared by several Services
/// (allow-shared-ip) is one address on the interface, held until the last of them lets go. When holders
/// disagree on the length (pools reconfigured between allocations), the ordinal-first Service key decides, so the
/// outcome does not depend on the order of updates. Per Service it also answers which masked prefixes that
/// Service needs announced, which is what the BGP announcer refcounts. Single-writer; not thread-safe.
/// </summary>
public sealed class RemoteAddressBook
{
    private readonly Dictionary<string, Dictionary<IPAddress, RemoteAddress>> _byService = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, SortedSet<string>> _holders = [];
    private readonly Dictionary<IPAddress, RemoteAddress> _effective = [];

    /// <summary>Every address wanted on the interface, with its effective length.</summary>
    public IReadOnlyCollection<RemoteAddress> Desired => _effective.Values;

    public int Count => _effective.Count;

    public bool Contains(RemoteAddress address) => _effective.TryGetValue(address.Address, out var held) && held == address;

    public IReadOnlyCollection<string> Services => _byService.Keys;

    public IReadOnlyCollection<string> HoldersOf(IPAddress address) =>
        _holders.TryGetValue(Election.ElectionKey.Normalize(address), out var h) ? h : [];

    /// <summary>The distinct masked prefixes <paramref name="serviceKey"/> needs announced, sorted.</summary>
    public IReadOnlyList<IPNetwork> PrefixesOf(string serviceKey) =>
        _byService.TryGetValue(serviceKey, out var m)
            ? m.Values.Select(a => a.Prefix).Distinct().Order(Bgp.PrefixOrder.Instance).ToArray()
            : [];

    /// <summary>Replaces what <paramref name="serviceKey"/> holds; an empty set releases everything it held.</summary>
    public RemoteBookChange Set(string serviceKey, IEnumerable<RemoteAddress> addresses)
    {
        var next = new Dictionary<IPAddress, RemoteAddress>();
        foreach (var a in addresses)
        {
            // One length per VIP and Service; a repeat keeps the first (ingress order).
            next.TryAdd(a.Address, a);
        }
        _byService.TryGetValue(serviceKey, out var previous);
        previous ??= [];
        if (next.Count == previous.Count && next.All(kv => previous.TryGetValue(kv.Key, out var p) && p == kv.Value))
            return RemoteBookChange.None;

        var touched = new HashSet<IPAddress>(previous.Keys);
        touched.UnionWith(next.Keys);
        if (next.Count == 0) _byService.Remove(serviceKey);
        else _byService[serviceKey] = next;

        foreach (var ip in previous.Keys.Where(ip => !next.ContainsKey(ip)))
        {
            var holders = _holders[ip];
            holders.Remove(serviceKey);
            if (holders.Count == 0) _holders.Remove(ip);
        }
        foreach (var ip in next.Keys)
        {
            if (!_holders.TryGetValue(ip, out var holders)) _holders[ip] = holders = new SortedSet<string>(StringComparer.Ordinal);
            holders.Add(serviceKey);
        }
        return Recompute(touched);
    }

    public RemoteBookChange Remove(string serviceKey) => Set(serviceKey, []);

    private RemoteBookChange Recompute(IEnumerable<IPAddress> touched)
    {
        var added = new List<RemoteAddress>();
        var removed = new List<RemoteAddress>();
        var changed = new List<(RemoteAddress, RemoteAddress)>();
        foreach (var ip in touched)
        {
            bool had = _effective.TryGetValue(ip, out var before);
            if (!_holders.TryGetValue(ip, out var holders))
            {
                if (had)
                {
                    _effective.Remove(ip);
                    removed.Add(before);
                }
                continue;
            }
            var after = _byService[holders.Min!][ip];
            _effective[ip] = after;
            if (!had) added.Add(after);
            else if (before != after) changed.Add((before, after));
        }
        return new RemoteBookChange(added, removed, changed);
    }
}
