using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using k8s.Models;
using Purelb.Kube;

namespace Purelb.Tests.Kube;

/// <summary>
/// An in-memory source of Services behind <see cref="IListWatch{T}"/>, in the manner of a fake controller source:
/// writes get increasing resourceVersions and go to every open watch; tests can drop all watches, compact the
/// history (so an old resourceVersion gets 410), duplicate events, change objects silently, and make the next list
/// or watch fail.
/// </summary>
internal sealed class FakeListWatch : IListWatch<V1Service>
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, V1Service> _objects = [];
    private readonly List<(long Rv, WatchEvent<V1Service> Event)> _history = [];
    private readonly List<Channel<WatchEvent<V1Service>>> _watchers = [];
    private long _rv;
    private long _compactedTo;
    private readonly Queue<Exception> _listFailures = new();
    private readonly Queue<Exception> _watchFailures = new();

    public int Lists;
    public readonly List<string> WatchResourceVersions = [];
    public bool DuplicateEvents;

    public long ResourceVersion { get { lock (_lock) return _rv; } }
    public int OpenWatches { get { lock (_lock) return _watchers.Count; } }

    public static V1Service Service(string ns, string name, string? note = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Annotations = note is null ? null : new Dictionary<string, string> { ["note"] = note } },
        Spec = new V1ServiceSpec { Type = "LoadBalancer" },
    };

    public V1Service Add(V1Service s) => Write(WatchEventType.Added, s);
    public V1Service Modify(V1Service s) => Write(WatchEventType.Modified, s);
    public V1Service Delete(string ns, string name)
    {
        V1Service gone;
        lock (_lock) gone = _objects[$"{ns}/{name}"];
        return Write(WatchEventType.Deleted, gone);
    }

    /// <summary>Removes an object without telling any watcher (as if the event were lost while disconnected).</summary>
    public void DeleteSilently(string ns, string name)
    {
        lock (_lock)
        {
            _objects.Remove($"{ns}/{name}");
            _rv++;
        }
    }

    public void SendBookmark()
    {
        lock (_lock)
        {
            _rv++;
            var bookmark = new WatchEvent<V1Service>(WatchEventType.Bookmark, null, Rv(_rv));
            foreach (var w in _watchers) w.Writer.TryWrite(bookmark);
        }
    }

    /// <summary>Forget history up to now: a watch from an older resourceVersion gets 410 Gone.</summary>
    public void Compact()
    {
        lock (_lock)
        {
            _compactedTo = _rv;
            _history.Clear();
        }
    }

    /// <summary>Cut every open watch, as a dropped connection would.</summary>
    public void DropWatches()
    {
        lock (_lock)
        {
            foreach (var w in _watchers) w.Writer.TryComplete(new IOException("connection reset by fake"));
            _watchers.Clear();
        }
    }

    /// <summary>End every open watch normally, as a server-side watch timeout would.</summary>
    public void EndWatches()
    {
        lock (_lock)
        {
            foreach (var w in _watchers) w.Writer.TryComplete();
            _watchers.Clear();
        }
    }

    public void FailNextList(Exception e) { lock (_lock) _listFailures.Enqueue(e); }
    public void FailNextWatch(Exception e) { lock (_lock) _watchFailures.Enqueue(e); }

    public static KubeApiException Gone() => new(HttpStatusCode.Gone, "Expired", "too old resource version");

    public Task<ListResult<V1Service>> ListAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            Lists++;
            if (_listFailures.TryDequeue(out var e)) throw e;
            return Task.FromResult(new ListResult<V1Service>([.. _objects.Values], Rv(_rv)));
        }
    }

    public async IAsyncEnumerable<WatchEvent<V1Service>> WatchAsync(string resourceVersion, [EnumeratorCancellation] CancellationToken ct)
    {
        var channel = Channel.CreateUnbounded<WatchEvent<V1Service>>();
        lock (_lock)
        {
            WatchResourceVersions.Add(resourceVersion);
            if (_watchFailures.TryDequeue(out var e)) throw e;
            var from = long.Parse(resourceVersion, CultureInfo.InvariantCulture);
            if (from < _compactedTo) throw Gone();
            foreach (var (rv, ev) in _history)
                if (rv > from) channel.Writer.TryWrite(ev);
            _watchers.Add(channel);
        }
        try
        {
            await foreach (var ev in channel.Reader.ReadAllAsync(ct))
                yield return ev;
        }
        finally
        {
            lock (_lock) _watchers.Remove(channel);
        }
    }

    private V1Service Write(WatchEventType type, V1Service s)
    {
        lock (_lock)
        {
            _rv++;
            // Each stored state is its own object: the informer must never see a later write through an old reference.
            var stored = Copy(s);
            stored.Metadata.ResourceVersion = Rv(_rv);
            var key = $"{stored.Metadata.NamespaceProperty}/{stored.Metadata.Name}";
            if (type == WatchEventType.Deleted) _objects.Remove(key);
            else _objects[key] = stored;
            var ev = new WatchEvent<V1Service>(type, stored, Rv(_rv));
            _history.Add((_rv, ev));
            foreach (var w in _watchers)
            {
                w.Writer.TryWrite(ev);
                if (DuplicateEvents) w.Writer.TryWrite(ev);
            }
            return stored;
        }
    }

    private static V1Service Copy(V1Service s) => KubeObjects.Clone(s, k8s.SourceGenerationContext.Default.V1Service);
    private static string Rv(long rv) => rv.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Records what an informer told its handler, in order.</summary>
internal sealed class RecordingHandler : IResourceEventHandler<V1Service>
{
    private readonly Lock _lock = new();
    private readonly List<string> _log = [];

    public IReadOnlyList<string> Log { get { lock (_lock) return [.. _log]; } }

    public void OnAdd(V1Service obj, bool isInInitialList) => Note($"add{(isInInitialList ? "(initial)" : "")} {KubeObjects.KeyOf(obj)}@{obj.Metadata.ResourceVersion}");
    public void OnUpdate(V1Service oldObj, V1Service newObj) => Note($"update {KubeObjects.KeyOf(newObj)}@{oldObj.Metadata.ResourceVersion}->{newObj.Metadata.ResourceVersion}");
    public void OnDelete(DeletedObject<V1Service> d) => Note($"delete{(d.FinalStateUnknown ? "(unknown)" : "")} {d.Key}");

    private void Note(string s) { lock (_lock) _log.Add(s); }
}
