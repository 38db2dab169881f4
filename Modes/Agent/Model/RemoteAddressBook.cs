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
    private readonly ServiceAddressIndex<RemoteAddress> _index = new();
    private readonly Dictionary<IPAddress, RemoteAddress> _effective = [];

    /// <summary>Every address wanted on the interface, with its effective length.</summary>
    public IReadOnlyCollection<RemoteAddress> Desired => _effective.Values;

    public int Count => _effective.Count;

    public bool Contains(RemoteAddress address) => _effective.TryGetValue(address.Address, out var held) && held == address;

    public IReadOnlyCollection<string> Services => _index.Services;

    public IReadOnlyCollection<string> HoldersOf(IPAddress address) => _index.HoldersOf(address);

    /// <summary>The distinct masked prefixes <paramref name="serviceKey"/> needs announced, sorted.</summary>
    public IReadOnlyList<IPNetwork> PrefixesOf(string serviceKey) =>
        _index.WishesOf(serviceKey).Select(w => w.Value.Prefix).Distinct().Order(Bgp.PrefixOrder.Instance).ToArray();

    /// <summary>Replaces what <paramref name="serviceKey"/> holds; an empty set releases everything it held.</summary>
    public RemoteBookChange Set(string serviceKey, IEnumerable<RemoteAddress> addresses)
    {
        var next = new List<KeyValuePair<IPAddress, RemoteAddress>>();
        foreach (var a in addresses)
        {
            // One length per VIP and Service; a repeat keeps the first (ingress order).
            if (!next.Exists(w => w.Key.Equals(a.Address))) next.Add(new(a.Address, a));
        }
        var previous = _index.WishesOf(serviceKey);
        if (next.Count == previous.Count && next.All(w => previous.Any(p => p.Key.Equals(w.Key) && p.Value == w.Value)))
            return RemoteBookChange.None;
        var touched = _index.Replace(serviceKey, next.ToArray());
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
            if (!_index.TryGetEffective(ip, out var after))
            {
                if (had)
                {
                    _effective.Remove(ip);
                    removed.Add(before);
                }
                continue;
            }
            _effective[ip] = after;
            if (!had) added.Add(after);
            else if (before != after) changed.Add((before, after));
        }
        return new RemoteBookChange(added, removed, changed);
    }
}
