using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Purelb.Kube;

/// <summary>What a sync did with one key.</summary>
public enum SyncResult
{
    /// <summary>Done (or failed permanently, with an event saying so): forget the key's failures.</summary>
    Success,
    /// <summary>Failed in a way a retry can fix: requeue with the key's backoff.</summary>
    Retry,
}

/// <summary>
/// The worker loop of a controller: take a key, sync it, then Forget on success or AddRateLimited on failure (up to
/// <see cref="MaxRetries"/>, after which the key is dropped with a log line until something enqueues it again),
/// and always Done. A sync that throws counts as Retry.
/// </summary>
public sealed class QueueWorker<TKey>(WorkQueue<TKey> queue, Func<TKey, CancellationToken, Task<SyncResult>> sync, ILogger? log = null)
    where TKey : notnull
{
    private readonly ILogger _log = log ?? NullLogger.Instance;

    /// <summary>Retries before a key is dropped; null retries for ever.</summary>
    public int? MaxRetries { get; init; }

    /// <summary>Runs <paramref name="concurrency"/> loops of <see cref="RunAsync(CancellationToken)"/> over the same queue:
    /// different keys are synced at once, while the queue still never hands one key to two loops.</summary>
    public Task RunAsync(int concurrency, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        return concurrency == 1 ? RunAsync(ct) : Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => RunAsync(ct)));
    }

    /// <summary>Processes keys until the queue shuts down and drains, or <paramref name="ct"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            (bool ok, TKey key) item;
            try
            {
                item = await queue.GetAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            if (!item.ok)
                return;
            await ProcessAsync(item.key, ct).ConfigureAwait(false);
        }
    }

    private async Task ProcessAsync(TKey key, CancellationToken ct)
    {
        try
        {
            SyncResult result;
            try
            {
                result = await sync(key, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _log.LogWarning("sync of {Key} failed: {Error}", key, e.Message);
                result = SyncResult.Retry;
            }

            if (result == SyncResult.Success)
            {
                queue.Forget(key);
            }
            else if (MaxRetries is { } max && queue.NumRequeues(key) >= max)
            {
                _log.LogError("dropping {Key} after {Retries} retries", key, max);
                queue.Forget(key);
            }
            else
            {
                queue.AddRateLimited(key);
            }
        }
        finally
        {
            queue.Done(key);
        }
    }
}
