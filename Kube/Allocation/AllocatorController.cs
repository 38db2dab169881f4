using k8s.Models;
using Microsoft.Extensions.Logging;
using Purelb.Ipam;
using Purelb.Kube.Crd;

namespace Purelb.Kube.Allocation;

/// <summary>
/// The allocator's control loop: informers feed keys into one de-duplicating work queue, and a few workers
/// reconcile keys against the current cache (allocator.md §1.3–§1.5). Every decision (all ledger mutation) is taken
/// under one gate, so the IPAM core needs no locks and sees the same serial history as with one worker; only the API
/// writes that publish a decision run in parallel. Kubernetes objects are the only persistent state (§4.12).
/// </summary>
public sealed partial class AllocatorController : IDisposable
{
    private readonly KubeApiClient _api;
    private readonly Informer<V1Service> _services;
    private readonly Informer<ServiceGroup> _groups;
    private readonly Informer<V1Lease> _leases;
    private readonly IngressWriter _ingress;
    private readonly ServiceProjection _projection = new();
    private readonly EventRecorder _events;
    private readonly AllocatorMetrics _metrics;
    private readonly AllocatorSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly WorkQueue<AllocatorWorkItem> _queue;
    private readonly IpamLedger _ledger = new();
    private readonly ExternalSources _external;
    private readonly HashSet<string> _dirtyPools = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PoolStatusValues> _writtenStatus = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _seenGroupGenerations = new(StringComparer.Ordinal);
    private static readonly TimeSpan StatusCoalescing = TimeSpan.FromMilliseconds(250);
    // Every ledger read and write, and the bookkeeping beside it, happens with this held; API writes happen without.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _poolsDirty;
    private volatile bool _configLoaded;
    private volatile bool _synced;

    public AllocatorController(KubeApiClient api, InformerFactory informers, EventRecorder events, AllocatorMetrics metrics,
        AllocatorSettings settings, TimeProvider time, ILoggerFactory loggers)
    {
        _api = api;
        _events = events;
        _metrics = metrics;
        _external = new ExternalSources { SidecarCallObserved = ObserveSidecarCall };
        _settings = settings;
        _time = time;
        _log = loggers.CreateLogger("purelb.allocator");
        _ingress = new IngressWriter(api, loggers.CreateLogger("purelb.allocator.writer"));
        _queue = new WorkQueue<AllocatorWorkItem>(time, RateLimiters.DefaultController<AllocatorWorkItem>(time));
        var resync = TimeSpan.FromMinutes(10);
        // Only the fields the allocator reads are cached (see ServiceProjection): 10,000 full Services are never held.
        _services = informers.For(KubeResources.TrimmedServices, resyncPeriod: resync, transform: _projection.Slim);
        _groups = informers.For(CrdResources.ServiceGroups, string.IsNullOrEmpty(settings.InstallNamespace) ? null : settings.InstallNamespace, resyncPeriod: resync);
        _leases = informers.For(KubeResources.Leases, string.IsNullOrEmpty(settings.InstallNamespace) ? null : settings.InstallNamespace);
        _ledger.PoolChanged += pool =>
        {
            _dirtyPools.Add(pool);
            _poolsDirty = true;
        };
        RegisterHandlers();
    }

    /// <summary>True once the configuration is loaded and existing allocations are rebuilt: safe to serve.</summary>
    public bool IsReady => _configLoaded && _synced;

    /// <summary>Items waiting, for tests and the debug view.</summary>
    public int QueueLength => _queue.Count;

    private void RegisterHandlers()
    {
        _services.AddHandler(new ResourceEventHandler<V1Service>(
            onAdd: (svc, _) => EnqueueService(svc),
            onUpdate: (old, svc) =>
            {
                if (!OnlyAnnouncingChanged(old, svc)) EnqueueService(svc);
            },
            onDelete: deleted => _queue.Add(AllocatorWorkItem.ForService(deleted.Key))));
        _groups.AddHandler(new ResourceEventHandler<ServiceGroup>(
            onAdd: (_, _) => _queue.Add(AllocatorWorkItem.Config),
            onUpdate: (old, sg) =>
            {
                // Our own status writes do not bump generation; reacting to them would loop.
                if (old.Metadata.Generation != sg.Metadata.Generation || ReferenceEquals(old, sg)) _queue.Add(AllocatorWorkItem.Config);
            },
            onDelete: _ => _queue.Add(AllocatorWorkItem.Config)));
        _leases.AddHandler(new ResourceEventHandler<V1Lease>(
            onAdd: (lease, initial) =>
            {
                if (!initial) EnqueueMultiPoolServices();
            },
            onUpdate: (old, lease) =>
            {
                if (Subnets(old) != Subnets(lease)) EnqueueMultiPoolServices();
            },
            onDelete: _ => EnqueueMultiPoolServices()));
    }

    private static string? Subnets(V1Lease lease) =>
        lease.Metadata.Annotations is { } a && a.TryGetValue(Annotations.Subnets, out var v) ? v : null;

    private void EnqueueService(V1Service svc) => _queue.Add(AllocatorWorkItem.ForService(ServiceGroupTranslator.ServiceKey(svc)));

    /// <summary>The agents write only announcing annotations; each such write would otherwise make us re-sync every Service.</summary>
    private static bool OnlyAnnouncingChanged(V1Service old, V1Service svc)
    {
        if (ReferenceEquals(old, svc)) return false; // a resync is a deliberate second chance
        if (old.Metadata.Generation != svc.Metadata.Generation) return false;
        // Annotations first: the updates our own writes cause differ in other annotations or the status, and are
        // settled here without serializing spec and status twice each.
        var keys = (old.Metadata.Annotations?.Keys ?? []).Union(svc.Metadata.Annotations?.Keys ?? []);
        var differing = keys.Where(k => old.Metadata.Annotation(k) != svc.Metadata.Annotation(k)).ToList();
        if (differing.Count == 0 || !differing.All(k => k.StartsWith(Annotations.Announcing, StringComparison.Ordinal))) return false;
        return KubeObjects.JsonEquals(old.Spec, svc.Spec, KubeModelJsonContext.Default.V1ServiceSpec)
            && KubeObjects.JsonEquals(old.Status, svc.Status, KubeModelJsonContext.Default.V1ServiceStatus);
    }

    private void EnqueueMultiPoolServices()
    {
        // Cheap and correct: Services that do not use multiPool find nothing to do.
        foreach (var key in _services.Cache.Keys()) _queue.Add(AllocatorWorkItem.ForService(key));
    }

    private void EnqueueAllServices()
    {
        foreach (var key in _services.Cache.Keys()) _queue.Add(AllocatorWorkItem.ForService(key));
    }

    /// <summary>Waits for the caches, loads the configuration, adopts existing allocations, then works the queue.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        await Task.WhenAll(_services.WaitForSyncAsync(ct), _groups.WaitForSyncAsync(ct), _leases.WaitForSyncAsync(ct)).ConfigureAwait(false);
        LoadConfig();
        RebuildFromServices();
        RebuildExternalHolders();
        _synced = true;
        _log.LogInformation("ready: {Services} Services in cache, {Held} addresses adopted, {Pools} pools",
            _services.Cache.Count, _ledger.AddressCount, _ledger.Config.Pools.Count);
        EnqueueAllServices();
        _queue.Add(AllocatorWorkItem.PublishStatus);
        using var stop = ct.Register(_queue.ShutDown);
        var worker = new QueueWorker<AllocatorWorkItem>(_queue, SyncItemAsync, _log);
        await worker.RunAsync(Math.Max(1, _settings.Workers), ct).ConfigureAwait(false);
    }

    /// <summary>One work item for <see cref="QueueWorker{TKey}"/>: failures are counted and logged here (quietly for
    /// the first retries, which are usually a write racing another), and handed back as Retry for the backoff.</summary>
    private async Task<SyncResult> SyncItemAsync(AllocatorWorkItem item, CancellationToken ct)
    {
        try
        {
            await ProcessAsync(item, ct).ConfigureAwait(false);
            return SyncResult.Success;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            _metrics.UpdateErrors.Inc();
            var retries = _queue.NumRequeues(item);
            _log.Log(retries < 3 ? LogLevel.Debug : LogLevel.Warning, "{Item}: {Error} (retry {Retry})", item, e.Message, retries + 1);
            return SyncResult.Retry;
        }
        finally
        {
            _metrics.Updates.Inc();
            // Pool status is a summary: write it at most a few times a second, not once per Service.
            if (_poolsDirty && item.Kind != AllocatorWorkKind.PublishStatus)
                _queue.AddAfter(AllocatorWorkItem.PublishStatus, StatusCoalescing);
        }
    }

    private Task ProcessAsync(AllocatorWorkItem item, CancellationToken ct) => item.Kind switch
    {
        AllocatorWorkKind.Config => LoadConfigAndReprocess(ct),
        AllocatorWorkKind.PublishStatus => PublishStatusAsync(ct),
        _ => SyncServiceAsync(item.Key, ct),
    };

    public void Dispose()
    {
        _external.Dispose();
        _queue.Dispose();
        _gate.Dispose();
    }

    private async Task LoadConfigAndReprocess(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (LoadConfig()) EnqueueAllServices();
        }
        finally
        {
            _gate.Release();
        }
    }
}
