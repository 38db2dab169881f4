using System.Net;
using Purelb.Election;

namespace Purelb.Modes.Agent.Model;

/// <summary>One address this node should hold on a local interface.</summary>
public sealed record DesiredLocalAddress(IPAddress Address, int LinkIndex, string LinkName, int PrefixLength, AddressOptions Options);

/// <summary>What a <see cref="LocalAddressBook"/> update changed, per address (not per Service), with the entries
/// themselves, so the kernel can be changed from this alone: where a removed or moved address sat, where it goes.</summary>
/// <param name="Added">Addresses no Service wanted before.</param>
/// <param name="Removed">Addresses no Service wants any more, as they were wanted: withdraw them.</param>
/// <param name="Changed">Addresses still wanted but with another interface, prefix or options.</param>
public sealed record AddressBookChange(
    IReadOnlyList<DesiredLocalAddress> Added,
    IReadOnlyList<DesiredLocalAddress> Removed,
    IReadOnlyList<(DesiredLocalAddress Before, DesiredLocalAddress After)> Changed)
{
    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0;
}

/// <summary>
/// Desired local addresses, reference-counted by the Services that won them on this node. A shared
/// address stays while any holder wants it and is withdrawn when the last one lets go; an address that
/// disappears from a Service's set is released at once. Holders that disagree on parameters (e.g. one
/// asks for NODAD) are resolved deterministically: the ordinal-first Service key's wish applies.
/// Single-writer (the reconcile thread); not thread-safe.
/// </summary>
public sealed class LocalAddressBook
{
    private readonly ServiceAddressIndex<DesiredLocalAddress> _index = new();
    private readonly Dictionary<IPAddress, DesiredLocalAddress> _effective = new();

    /// <summary>Every address wanted, with its effective parameters.</summary>
    public IReadOnlyDictionary<IPAddress, DesiredLocalAddress> Desired => _effective;

    public IReadOnlyCollection<string> HoldersOf(IPAddress address) => _index.HoldersOf(address);

    public IReadOnlyCollection<IPAddress> AddressesOf(string serviceKey) => _index.WishesOf(serviceKey).Select(w => w.Key).ToArray();

    /// <summary>Replaces the set of addresses <paramref name="serviceKey"/> holds on this node.</summary>
    public AddressBookChange Set(string serviceKey, IEnumerable<DesiredLocalAddress> addresses)
    {
        var next = new List<KeyValuePair<IPAddress, DesiredLocalAddress>>();
        foreach (var a in addresses)
        {
            var normalized = a with { Address = ElectionKey.Normalize(a.Address) };
            // A repeat replaces the earlier wish for the address, in its place.
            int at = next.FindIndex(w => w.Key.Equals(normalized.Address));
            if (at >= 0) next[at] = new(normalized.Address, normalized);
            else next.Add(new(normalized.Address, normalized));
        }
        var touched = _index.Replace(serviceKey, next.ToArray());
        return Recompute(touched);
    }

    /// <summary>The Service is gone (or lost every address): release all it held.</summary>
    public AddressBookChange Remove(string serviceKey) => Set(serviceKey, []);

    /// <summary>Forget everything (fencing, shutdown); returns every address to withdraw.</summary>
    public AddressBookChange Clear()
    {
        var all = _effective.Values.ToArray();
        _index.Clear();
        _effective.Clear();
        return new AddressBookChange([], all, []);
    }

    private AddressBookChange Recompute(IEnumerable<IPAddress> touched)
    {
        var added = new List<DesiredLocalAddress>();
        var removed = new List<DesiredLocalAddress>();
        var changed = new List<(DesiredLocalAddress, DesiredLocalAddress)>();
        foreach (var ip in touched)
        {
            _effective.TryGetValue(ip, out var before);
            DesiredLocalAddress? after = _index.TryGetEffective(ip, out var wish) ? wish : null;
            if (after is null)
            {
                if (before is not null)
                {
                    _effective.Remove(ip);
                    removed.Add(before);
                }
            }
            else
            {
                _effective[ip] = after;
                if (before is null) added.Add(after);
                else if (before != after) changed.Add((before, after));
            }
        }
        return new AddressBookChange(added, removed, changed);
    }
}
