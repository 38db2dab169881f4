using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Purelb.Kube;

/// <summary>The part of an informer that does not depend on its kind, for starting and waiting on many at once.</summary>
public interface IInformer
{
    bool HasSynced { get; }
    Task WaitForSyncAsync(CancellationToken ct);
    Task RunAsync(CancellationToken ct);
}

/// <summary>
/// One kind's shared view of the cluster: a <see cref="Reflector{T}"/> feeding a <see cref="Cache{T}"/>, and the
/// handlers told about every change. Create one per kind per process (see <see cref="InformerFactory"/>) and hand
/// the same instance to everything that needs that kind.
/// </summary>
public sealed class Informer<T> : IInformer, IReflectorStore<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    // Applying a change to the cache and telling the handlers happen under one lock, so a handler added at any
    // moment sees each object exactly once: in the replay or as a later event, never both, never neither.
    private readonly Lock _dispatch = new();
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly InformerOptions _options;
    private readonly Reflector<T> _reflector;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private IResourceEventHandler<T>[] _handlers = [];
    private int _started;

    public Informer(IListWatch<T> listWatch, TimeProvider time, ILogger? log = null, InformerOptions? options = null)
    {
        _time = time;
        _log = log ?? NullLogger.Instance;
        _options = options ?? new InformerOptions();
        _reflector = new Reflector<T>(listWatch, this, time, _log, _options.Reflector);
    }

    public Cache<T> Cache { get; } = new();

    /// <summary>True once the first complete list is in the cache and its adds were delivered.</summary>
    public bool HasSynced => _synced.Task.IsCompleted;

    public string LastSyncResourceVersion => _reflector.LastSyncResourceVersion;

    /// <summary>The reflector, for diagnostics (list and watch counts).</summary>
    public Reflector<T> Reflector => _reflector;

    public Task WaitForSyncAsync(CancellationToken ct) => _synced.Task.WaitAsync(ct);

    /// <summary>Adds a handler. If the cache already holds objects they are replayed to it as adds first.
    /// Dispose the result to remove the handler.</summary>
    public IDisposable AddHandler(IResourceEventHandler<T> handler)
    {
        lock (_dispatch)
        {
            foreach (var obj in Cache.List())
                Call(h => h.OnAdd(obj, true), handler);
            _handlers = [.. _handlers, handler];
        }
        return new Registration(this, handler);
    }

    /// <summary>Runs the reflector (and resync timer) until cancelled. A second call returns at once.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
            return;
        var reflector = _reflector.RunAsync(ct);
        var resync = _options.ResyncPeriod is { } period ? ResyncLoopAsync(period, ct) : Task.CompletedTask;
        await Task.WhenAll(reflector, resync).ConfigureAwait(false);
    }

    private async Task ResyncLoopAsync(TimeSpan period, CancellationToken ct)
    {
        try
        {
            await WaitForSyncAsync(ct).ConfigureAwait(false);
            using var timer = new PeriodicTimer(period, _time);
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                lock (_dispatch)
                {
                    foreach (var obj in Cache.List())
                        Notify(h => h.OnUpdate(obj, obj));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    void IReflectorStore<T>.Replace(IReadOnlyList<T> items, string resourceVersion)
    {
        var initial = !HasSynced;
        lock (_dispatch)
        {
            foreach (var change in Cache.Replace(items))
            {
                if (change.New is null)
                {
                    var gone = new DeletedObject<T>(change.Key, change.Old!, FinalStateUnknown: true);
                    Notify(h => h.OnDelete(gone));
                }
                else if (change.Old is null)
                {
                    Notify(h => h.OnAdd(change.New, initial));
                }
                else if (!SameVersion(change.Old, change.New))
                {
                    Notify(h => h.OnUpdate(change.Old, change.New));
                }
            }
        }
        _synced.TrySetResult();
    }

    void IReflectorStore<T>.Add(T obj) => Upsert(obj);

    void IReflectorStore<T>.Update(T obj) => Upsert(obj);

    void IReflectorStore<T>.Delete(T obj)
    {
        lock (_dispatch)
        {
            var change = Cache.Remove(obj);
            // The delete event carries the object's final state, which is fresher than our cached copy.
            var gone = new DeletedObject<T>(change.Key, obj, FinalStateUnknown: false);
            Notify(h => h.OnDelete(gone));
        }
    }

    private void Upsert(T obj)
    {
        lock (_dispatch)
        {
            var change = Cache.Upsert(obj);
            if (change.Old is null)
                Notify(h => h.OnAdd(obj, false));
            else if (!SameVersion(change.Old, obj))
                Notify(h => h.OnUpdate(change.Old, obj));
            // else: a duplicate delivery of a state we already have; nothing changed.
        }
    }

    /// <summary>Same non-empty resourceVersion means the same stored state.</summary>
    private static bool SameVersion(T a, T b)
    {
        var va = a.Metadata?.ResourceVersion;
        return !string.IsNullOrEmpty(va) && va == b.Metadata?.ResourceVersion;
    }

    private void Notify(Action<IResourceEventHandler<T>> call)
    {
        foreach (var handler in _handlers)
            Call(call, handler);
    }

    private void Call(Action<IResourceEventHandler<T>> call, IResourceEventHandler<T> handler)
    {
        try
        {
            call(handler);
        }
        catch (Exception e)
        {
            // A handler bug must not stop the cache or the other handlers.
            _log.LogError(e, "event handler failed");
        }
    }

    private void Remove(IResourceEventHandler<T> handler)
    {
        lock (_dispatch)
            _handlers = [.. _handlers.Where(h => !ReferenceEquals(h, handler))];
    }

    private sealed class Registration(Informer<T> informer, IResourceEventHandler<T> handler) : IDisposable
    {
        public void Dispose() => informer.Remove(handler);
    }
}
