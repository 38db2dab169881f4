using System.Net;
using Purelb.Election;

namespace Purelb.Modes.Agent.Model;

/// <summary>
/// Which Services want which addresses on this node, both ways round: the per-Service wishes and, per address, its
/// holders in ordinal order (the first holder's wish is the one applied). The local and the remote address book
/// keep their reference counts here. Single-writer; not thread-safe.
/// </summary>
public sealed class ServiceAddressIndex<T>
{
    private readonly Dictionary<string, Dictionary<IPAddress, T>> _byService = new(StringComparer.Ordinal);
    private readonly Dictionary<IPAddress, SortedSet<string>> _holders = [];

    public IReadOnlyCollection<string> Services => _byService.Keys;

    public IReadOnlyDictionary<IPAddress, T> WishesOf(string serviceKey) =>
        _byService.TryGetValue(serviceKey, out var m) ? m : new Dictionary<IPAddress, T>();

    public IReadOnlyCollection<string> HoldersOf(IPAddress address) =>
        _holders.TryGetValue(ElectionKey.Normalize(address), out var h) ? h : [];

    /// <summary>The wish of the ordinal-first holder of <paramref name="address"/>, if anyone holds it.</summary>
    public bool TryGetEffective(IPAddress address, out T wish)
    {
        if (_holders.TryGetValue(address, out var holders))
        {
            wish = _byService[holders.Min!][address];
            return true;
        }
        wish = default!;
        return false;
    }

    /// <summary>Replaces the Service's wishes (keys already normalised); returns every address whose holders may have
    /// changed: those it held before and those it holds now.</summary>
    public HashSet<IPAddress> Replace(string serviceKey, Dictionary<IPAddress, T> next)
    {
        _byService.TryGetValue(serviceKey, out var previous);
        previous ??= [];
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
        return touched;
    }

    public void Clear()
    {
        _byService.Clear();
        _holders.Clear();
    }
}
