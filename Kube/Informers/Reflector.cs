using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Purelb.Kube;

/// <summary>
/// Keeps an <see cref="IReflectorStore{T}"/> in step with the server: a list becomes Replace, then watch events
/// become Add/Update/Delete. A dropped or ended watch resumes from the last resourceVersion seen (events or
/// bookmarks); 410 Expired throws the version away and lists again; every other failure waits an exponential,
/// jittered backoff that resets after a healthy period, without relisting.
/// </summary>
public sealed class Reflector<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly IListWatch<T> _listWatch;
    private readonly IReflectorStore<T> _store;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ReflectorOptions _options;
    private readonly ExponentialBackoff _backoff;
    private volatile string _lastSyncResourceVersion = "";
    private int _lists, _watches;

    public Reflector(IListWatch<T> listWatch, IReflectorStore<T> store, TimeProvider time, ILogger? log = null, ReflectorOptions? options = null)
    {
        _listWatch = listWatch;
        _store = store;
        _time = time;
        _log = log ?? NullLogger.Instance;
        _options = options ?? new ReflectorOptions();
        _backoff = new ExponentialBackoff(time, _options.InitialBackoff, _options.MaxBackoff, _options.BackoffResetAfter, _options.Jitter);
    }

    /// <summary>The resourceVersion the store is known to be current to.</summary>
    public string LastSyncResourceVersion => _lastSyncResourceVersion;

    /// <summary>Number of complete lists done (1 + relists).</summary>
    public int ListCount => Volatile.Read(ref _lists);

    /// <summary>Number of watches opened.</summary>
    public int WatchCount => Volatile.Read(ref _watches);

    /// <summary>Runs until <paramref name="ct"/> is cancelled; never throws anything else.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var needList = true;
        var resourceVersion = "";
        var expiredInARow = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    var list = await _listWatch.ListAsync(ct).ConfigureAwait(false);
                    _store.Replace(list.Items, list.ResourceVersion);
                    resourceVersion = list.ResourceVersion;
                    _lastSyncResourceVersion = resourceVersion;
                    needList = false;
                    Interlocked.Increment(ref _lists);
                    _log.LogDebug("listed {Count} objects at resourceVersion {ResourceVersion}", list.Items.Count, resourceVersion);
                }

                var started = _time.GetTimestamp();
                var events = 0;
                Interlocked.Increment(ref _watches);
                await foreach (var ev in _listWatch.WatchAsync(resourceVersion, ct).ConfigureAwait(false))
                {
                    switch (ev.Type)
                    {
                        case WatchEventType.Added:
                            _store.Add(ev.Object!);
                            break;
                        case WatchEventType.Modified:
                            _store.Update(ev.Object!);
                            break;
                        case WatchEventType.Deleted:
                            _store.Delete(ev.Object!);
                            break;
                        case WatchEventType.Bookmark:
                            break;
                    }
                    if (ev.ResourceVersion.Length > 0)
                    {
                        resourceVersion = ev.ResourceVersion;
                        _lastSyncResourceVersion = resourceVersion;
                    }
                    events++;
                    expiredInARow = 0;
                }

                if (events == 0 && _time.GetElapsedTime(started) < _options.ShortWatch)
                {
                    var delay = _backoff.NextDelay();
                    _log.LogDebug("watch ended at once without events; waiting {Delay}", delay);
                    await Task.Delay(delay, _time, ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                var kind = ApiError.Classify(e);
                if (kind == ApiErrorKind.Expired)
                {
                    // Our resourceVersion was compacted away: only a fresh list can tell us what we missed.
                    _log.LogInformation("resourceVersion {ResourceVersion} expired; relisting", resourceVersion);
                    needList = true;
                    resourceVersion = "";
                    if (expiredInARow++ == 0)
                        continue;
                }
                else
                {
                    _log.LogWarning("{Phase} failed ({Kind}): {Error}", needList ? "list" : "watch", kind, e.Message);
                }
                try
                {
                    await Task.Delay(_backoff.NextDelay(), _time, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }
}
