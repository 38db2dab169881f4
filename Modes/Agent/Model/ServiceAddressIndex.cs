using System.Net;
using Purelb.Election;

namespace Purelb.Modes.Agent.Model;

/// <summary>
/// Which Services want which addresses on this node, both ways round: the per-Service wishes and, per address, its
/// holders in ordinal order (the first holder's wish is the one applied). The local and the remote address book
/// keep their reference counts here. Single-writer; not thread-safe.
/// </summary>
/// <remarks>
/// A Service wants one or two addresses and an address has one holder unless it is shared, so both sides are small
/// arrays replaced whole on change rather than a dictionary and a sorted set each: an agent keeps one entry per
/// Service of the cluster, and the collections' own overhead was most of what it held per Service.
/// </remarks>
public sealed class ServiceAddressIndex<T>
{
    private readonly Dictionary<string, KeyValuePair<IPAddress, T>[]> _byService = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, string[]> _holders = [];

    public IReadOnlyCollection<string> Services => _byService.Keys;

    /// <summary>The Service's wishes, one per address, in the order given to <see cref="Replace"/>.</summary>
    public IReadOnlyList<KeyValuePair<IPAddress, T>> WishesOf(string serviceKey) =>
        _byService.TryGetValue(serviceKey, out var wishes) ? wishes : [];

    public IReadOnlyCollection<string> HoldersOf(IPAddress address) =>
        _holders.TryGetValue(ElectionKey.Normalize(address), out var h) ? h : [];

    /// <summary>The wish of the ordinal-first holder of <paramref name="address"/>, if anyone holds it.</summary>
    public bool TryGetEffective(IPAddress address, out T wish)
    {
        if (_holders.TryGetValue(address, out var holders))
        {
            foreach (var (ip, w) in _byService[holders[0]])
            {
                if (!ip.Equals(address)) continue;
                wish = w;
                return true;
            }
        }
        wish = default!;
        return false;
    }

    /// <summary>Replaces the Service's wishes (keys already normalised, each address once; the index keeps the
    /// array, so the caller must not change it); returns every address whose holders may have changed, once each:
    /// those it held before and those it holds now.</summary>
    public List<IPAddress> Replace(string serviceKey, KeyValuePair<IPAddress, T>[] next)
    {
        for (int i = 1; i < next.Length; i++)
            for (int j = 0; j < i; j++)
                if (next[i].Key.Equals(next[j].Key))
                    throw new ArgumentException($"{next[i].Key} is wished twice by {serviceKey}", nameof(next));
        var previous = _byService.GetValueOrDefault(serviceKey) ?? [];
        var touched = new List<IPAddress>(previous.Length + next.Length);
        if (next.Length == 0) _byService.Remove(serviceKey);
        else _byService[serviceKey] = next;

        foreach (var (ip, _) in previous)
        {
            touched.Add(ip);
            if (Contains(next, ip) || !_holders.TryGetValue(ip, out var held)) continue;
            var left = Without(held, serviceKey);
            if (left.Length == 0) _holders.Remove(ip);
            else _holders[ip] = left;
        }
        foreach (var (ip, _) in next)
        {
            if (!Contains(previous, ip)) touched.Add(ip);
            _holders[ip] = _holders.TryGetValue(ip, out var holders) ? With(holders, serviceKey) : [serviceKey];
        }
        return touched;
    }

    public void Clear()
    {
        _byService.Clear();
        _holders.Clear();
    }

    private static bool Contains(KeyValuePair<IPAddress, T>[] wishes, IPAddress address)
    {
        foreach (var (ip, _) in wishes)
            if (ip.Equals(address)) return true;
        return false;
    }

    /// <summary>The holders with <paramref name="key"/> in ordinal place; the same array when it is there already.</summary>
    private static string[] With(string[] holders, string key)
    {
        int at = Array.BinarySearch(holders, key, StringComparer.Ordinal);
        if (at >= 0) return holders;
        at = ~at;
        var grown = new string[holders.Length + 1];
        Array.Copy(holders, grown, at);
        grown[at] = key;
        Array.Copy(holders, at, grown, at + 1, holders.Length - at);
        return grown;
    }

    private static string[] Without(string[] holders, string key)
    {
        int at = Array.BinarySearch(holders, key, StringComparer.Ordinal);
        if (at < 0) return holders;
        var shrunk = new string[holders.Length - 1];
        Array.Copy(holders, shrunk, at);
        Array.Copy(holders, at + 1, shrunk, at, holders.Length - at - 1);
        return shrunk;
    }
}
