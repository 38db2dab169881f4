using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace KubeApiServer;

/// <summary>One committed change, kept in the history that watches replay from.</summary>
public sealed record HistoryEntry(long ResourceVersion, string StorageKey, string Type, JsonObject Object, JsonObject? Previous);

/// <summary>
/// Every object of every kind, one global resourceVersion, and the change history. All methods must be
/// called with <see cref="Lock"/> held; stored objects are never mutated after commit (writers clone).
/// </summary>
public sealed class Store
{
    public object Lock { get; } = new();
    readonly Dictionary<string, SortedDictionary<string, JsonObject>> _buckets = new();
    readonly List<HistoryEntry> _history = new();
    readonly List<Watcher> _watchers = new();
    long _resourceVersion;
    long _compactedThrough;

    public int MaxHistory { get; set; } = 200_000;
    public long ResourceVersion => _resourceVersion;
    /// <summary>Versions at or below this one are compacted: watching or reading at them answers 410.</summary>
    public long CompactedThrough => _compactedThrough;

    public static string Key(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : $"{ns}/{name}";

    SortedDictionary<string, JsonObject> Bucket(string storageKey)
    {
        if (!_buckets.TryGetValue(storageKey, out var b))
            _buckets[storageKey] = b = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        return b;
    }

    public JsonObject? Get(string storageKey, string key) =>
        Bucket(storageKey).TryGetValue(key, out var o) ? o : null;

    public IEnumerable<KeyValuePair<string, JsonObject>> All(string storageKey) => Bucket(storageKey);

    /// <summary>The bucket as it was at <paramref name="rv"/>, rebuilt by undoing later history.</summary>
    public SortedDictionary<string, JsonObject> SnapshotAt(string storageKey, long rv)
    {
        var snap = new SortedDictionary<string, JsonObject>(Bucket(storageKey), StringComparer.Ordinal);
        for (int i = _history.Count - 1; i >= 0 && _history[i].ResourceVersion > rv; i--)
        {
            var h = _history[i];
            if (h.StorageKey != storageKey) continue;
            var key = KeyOf(h.Object);
            if (h.Type == "ADDED") snap.Remove(key);
            else snap[key] = h.Previous!;
        }
        return snap;
    }

    public static string KeyOf(JsonObject obj)
    {
        var md = obj["metadata"]!.AsObject();
        return Key((string?)md["namespace"], (string)md["name"]!);
    }

    /// <summary>Stores <paramref name="obj"/> (or deletes the key when null) under a new resourceVersion.</summary>
    public HistoryEntry Commit(string storageKey, string key, JsonObject? obj, string? forcedType = null)
    {
        var bucket = Bucket(storageKey);
        bucket.TryGetValue(key, out var previous);
        var rv = ++_resourceVersion;
        string type;
        JsonObject recorded;
        if (obj == null)
        {
            if (previous == null) throw new InvalidOperationException("delete of a missing key");
            bucket.Remove(key);
            recorded = (JsonObject)previous.DeepClone();
            recorded["metadata"]!["resourceVersion"] = rv.ToString();
            type = "DELETED";
        }
        else
        {
            obj["metadata"]!["resourceVersion"] = rv.ToString();
            bucket[key] = obj;
            recorded = obj;
            type = forcedType ?? (previous == null ? "ADDED" : "MODIFIED");
        }
        Materialize(recorded);
        var entry = new HistoryEntry(rv, storageKey, type, recorded, previous);
        _history.Add(entry);
        if (_history.Count > MaxHistory) CompactThrough(_history[_history.Count / 2].ResourceVersion);
        foreach (var w in _watchers)
            if (w.StorageKey == storageKey) w.Offer(entry);
        return entry;
    }

    /// <summary>
    /// Parsed JsonObject/JsonArray nodes build their children lazily on first access, which is not safe when
    /// watch and list threads read a stored object at once; walking the tree once under the lock builds them all.
    /// </summary>
    static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o: foreach (var (_, v) in o) Materialize(v); break;
            case JsonArray a: foreach (var v in a) Materialize(v); break;
        }
    }

    /// <summary>Forgets history at and below <paramref name="rv"/> (like etcd compaction).</summary>
    public void CompactThrough(long rv)
    {
        rv = Math.Min(rv, _resourceVersion);
        if (rv <= _compactedThrough) return;
        _compactedThrough = rv;
        int drop = 0;
        while (drop < _history.Count && _history[drop].ResourceVersion <= rv) drop++;
        _history.RemoveRange(0, drop);
    }

    /// <summary>History entries of one bucket after <paramref name="rv"/>; caller checks compaction first.</summary>
    public IEnumerable<HistoryEntry> HistoryAfter(string storageKey, long rv)
    {
        int lo = 0, hi = _history.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) / 2;
            if (_history[mid].ResourceVersion <= rv) lo = mid + 1; else hi = mid;
        }
        for (int i = lo; i < _history.Count; i++)
            if (_history[i].StorageKey == storageKey) yield return _history[i];
    }

    public void AddWatcher(Watcher w) => _watchers.Add(w);
    public void RemoveWatcher(Watcher w) => _watchers.Remove(w);
    public int WatcherCount => _watchers.Count;

    public void DropAllWatchers()
    {
        foreach (var w in _watchers) w.Drop();
        _watchers.Clear();
    }

}

/// <summary>A registered watch: the store pushes entries; the HTTP side drains them.</summary>
public sealed class Watcher
{
    readonly Channel<HistoryEntry> _channel = Channel.CreateUnbounded<HistoryEntry>();
    public string StorageKey { get; }
    public bool Dropped { get; private set; }
    public Watcher(string storageKey) => StorageKey = storageKey;
    public ChannelReader<HistoryEntry> Reader => _channel.Reader;
    public void Offer(HistoryEntry e) => _channel.Writer.TryWrite(e);
    public void Drop()
    {
        Dropped = true;
        _channel.Writer.TryComplete();
    }
}
