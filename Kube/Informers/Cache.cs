using k8s;
using k8s.Models;

namespace Purelb.Kube;

/// <summary>What one write did to the cache: an object appeared, changed, or went away.</summary>
public readonly record struct CacheChange<T>(string Key, T? Old, T? New) where T : class;

/// <summary>
/// The in-memory copy of one kind, keyed "namespace/name". Only the reflector writes; anyone may read.
/// Contract: the cache is eventually consistent with the server; for one object you see its states in order
/// (possibly skipping some), with no ordering across objects. Objects handed out are shared: never mutate them —
/// copy with <see cref="KubeObjects.Clone"/> first.
/// </summary>
public sealed class Cache<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly Lock _lock = new();
    private Dictionary<string, T> _items = new(StringComparer.Ordinal);

    public int Count { get { lock (_lock) return _items.Count; } }

    public bool TryGet(string key, out T value)
    {
        lock (_lock) return _items.TryGetValue(key, out value!);
    }

    public T? Get(string key) => TryGet(key, out var v) ? v : null;

    /// <summary>Like <see cref="TryGet"/>, and also hands out the cache's own instance of the key, so a consumer that
    /// keeps the key for as long as the object (the allocator's ledger) holds one string per object, not two.</summary>
    public bool TryGet(string key, out string storedKey, out T value)
    {
        lock (_lock) return _items.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(key, out storedKey!, out value!);
    }

    public T? Get(string? ns, string name) => Get(KubeObjects.Key(ns, name));

    /// <summary>A snapshot of every object; later changes do not show up in it.</summary>
    public IReadOnlyList<T> List()
    {
        lock (_lock) return [.. _items.Values];
    }

    public IReadOnlyList<string> Keys()
    {
        lock (_lock) return [.. _items.Keys];
    }

    /// <summary>Adds or replaces one object. Returns the previous value (null for an add).</summary>
    internal CacheChange<T> Upsert(T obj)
    {
        var key = KubeObjects.KeyOf(obj);
        lock (_lock)
        {
            _items.TryGetValue(key, out var old);
            _items[key] = obj;
            return new CacheChange<T>(key, old, obj);
        }
    }

    /// <summary>Removes one object; Old is the last cached state (or the given object if we never had it).</summary>
    internal CacheChange<T> Remove(T obj)
    {
        var key = KubeObjects.KeyOf(obj);
        lock (_lock)
        {
            return _items.Remove(key, out var old)
                ? new CacheChange<T>(key, old, null)
                : new CacheChange<T>(key, null, null);
        }
    }

    /// <summary>Makes the cache exactly <paramref name="items"/>, returning one change per added, updated or vanished
    /// key (a vanished key has New == null). Unchanged objects (same resourceVersion) are reported with Old == New.</summary>
    internal IReadOnlyList<CacheChange<T>> Replace(IEnumerable<T> items)
    {
        var fresh = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in items)
            fresh[KubeObjects.KeyOf(item)] = item;
        var changes = new List<CacheChange<T>>(fresh.Count);
        lock (_lock)
        {
            foreach (var (key, item) in fresh)
            {
                _items.TryGetValue(key, out var old);
                changes.Add(new CacheChange<T>(key, old, item));
            }
            foreach (var (key, old) in _items)
                if (!fresh.ContainsKey(key))
                    changes.Add(new CacheChange<T>(key, old, null));
            _items = fresh;
        }
        return changes;
    }
}
