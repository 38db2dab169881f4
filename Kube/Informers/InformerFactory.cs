using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Purelb.Kube;

/// <summary>
/// Holds the process's informers: one per (kind, namespace, selectors), created on first request and shared by every
/// later caller, so each kind is listed and watched once no matter how many components read it.
/// </summary>
public sealed class InformerFactory : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly KubeApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly InformerOptions _options;
    private readonly Dictionary<string, Entry> _informers = new(StringComparer.Ordinal);
    private readonly List<Task> _running = [];
    private CancellationTokenSource? _stop;

    public InformerFactory(KubeApiClient api, TimeProvider? time = null, ILoggerFactory? loggers = null, InformerOptions? options = null)
    {
        _api = api;
        _time = time ?? TimeProvider.System;
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _options = options ?? new InformerOptions();
    }

    /// <summary>The shared informer for this kind and scope; started at once if the factory is already running.</summary>
    /// <param name="ns">Namespace, or null for all namespaces.</param>
    /// <param name="transform">See <see cref="ListWatch{T,TList}.Transform"/>. The informer is shared, so every caller
    /// for the same kind and scope must pass the same transform (or all none); a different one is refused, since a caller
    /// would otherwise get objects trimmed for someone else.</param>
    public Informer<T> For<T, TList>(KubeResource<T, TList> resource, string? ns = null,
        string? labelSelector = null, string? fieldSelector = null, TimeSpan? resyncPeriod = null, Func<T, T>? transform = null)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TList : class
    {
        var key = $"{resource.CollectionPath(ns)}?l={labelSelector}&f={fieldSelector}";
        lock (_lock)
        {
            if (_informers.TryGetValue(key, out var existing))
            {
                var shared = existing.Informer as Informer<T>
                    ?? throw new InvalidOperationException($"informer for {key} already exists with another type");
                if (!ReferenceEquals(existing.Resource, resource))
                    throw new InvalidOperationException($"informer for {key} already exists reading it another way");
                if (!Equals(existing.Transform, transform))
                    throw new InvalidOperationException($"informer for {key} already exists with another transform");
                return shared;
            }
            var log = _loggers.CreateLogger($"Purelb.Kube.Informer[{resource.Plural}{(ns is null ? "" : "@" + ns)}]");
            var options = resyncPeriod is null ? _options : _options with { ResyncPeriod = resyncPeriod };
            var listWatch = new ListWatch<T, TList>(_api, resource, ns, labelSelector, fieldSelector) { Transform = transform };
            var informer = new Informer<T>(listWatch, _time, log, options);
            _informers.Add(key, new Entry(informer, resource, transform));
            if (_stop is not null)
                _running.Add(informer.RunAsync(_stop.Token));
            return informer;
        }
    }

    public int Count { get { lock (_lock) return _informers.Count; } }

    /// <summary>Starts every informer created so far, and any created later, until <paramref name="ct"/> or
    /// disposal. Calling it twice does nothing the second time.</summary>
    public void Start(CancellationToken ct)
    {
        lock (_lock)
        {
            if (_stop is not null) return;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            foreach (var (informer, _, _) in _informers.Values)
                _running.Add(informer.RunAsync(_stop.Token));
        }
    }

    /// <summary>Completes once every informer created so far has synced.</summary>
    public Task WaitForCacheSyncAsync(CancellationToken ct)
    {
        IInformer[] all;
        lock (_lock) all = [.. _informers.Values.Select(e => e.Informer)];
        return Task.WhenAll(all.Select(i => i.WaitForSyncAsync(ct)));
    }

    public async ValueTask DisposeAsync()
    {
        Task[] running;
        lock (_lock)
        {
            _stop?.Cancel();
            running = [.. _running];
        }
        await Task.WhenAll(running).ConfigureAwait(false);
        _stop?.Dispose();
    }

    /// <summary>A shared informer and how it reads its kind: a later caller must ask for the same.</summary>
    private sealed record Entry(IInformer Informer, object Resource, Delegate? Transform);
}
