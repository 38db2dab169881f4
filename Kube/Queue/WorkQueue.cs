namespace Purelb.Kube;

/// <summary>
/// A keyed, de-duplicating work queue with delayed and rate-limited adds.
/// <list type="bullet">
/// <item>An item is queued at most once: adding a key that is already waiting does nothing.</item>
/// <item>An item is never processed by two workers at once: a key added while it is being processed is held back
/// and queued again when its worker calls <see cref="Done"/>, so it is processed exactly once more.</item>
/// <item>Every successful <see cref="GetAsync"/> must be followed by <see cref="Done"/> for that key.</item>
/// <item>After a failure call <see cref="AddRateLimited"/>; after a success (or giving up) call <see cref="Forget"/>.</item>
/// </list>
/// </summary>
public sealed class WorkQueue<TKey> : IDisposable where TKey : notnull
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly IRateLimiter<TKey> _limiter;
    private readonly Queue<TKey> _queue = new();
    private readonly HashSet<TKey> _dirty = [];
    private readonly HashSet<TKey> _processing = [];
    private readonly SemaphoreSlim _available = new(0);
    private readonly CancellationTokenSource _shutdown = new();
    private bool _shuttingDown;

    // Delayed adds: the earliest due time per key, and a heap that may hold superseded entries.
    private readonly Dictionary<TKey, long> _waitingUntil = [];
    private readonly PriorityQueue<TKey, long> _waiting = new();
    private readonly ITimer _timer;

    public WorkQueue(TimeProvider time, IRateLimiter<TKey>? limiter = null)
    {
        _time = time;
        _limiter = limiter ?? RateLimiters.DefaultController<TKey>(time);
        _timer = time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Items ready to be handed out (not counting delayed or in-progress ones).</summary>
    public int Count { get { lock (_lock) return _queue.Count; } }

    /// <summary>Items waiting for their delay to pass.</summary>
    public int DelayedCount { get { lock (_lock) return _waitingUntil.Count; } }

    public bool IsShuttingDown { get { lock (_lock) return _shuttingDown; } }

    public void Add(TKey item)
    {
        lock (_lock)
        {
            if (_shuttingDown || !_dirty.Add(item))
                return;
            if (_processing.Contains(item))
                return;
            _queue.Enqueue(item);
        }
        _available.Release();
    }

    /// <summary>Adds the item once <paramref name="delay"/> has passed. If it is already waiting with an earlier
    /// due time, that one stands.</summary>
    public void AddAfter(TKey item, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            Add(item);
            return;
        }
        lock (_lock)
        {
            if (_shuttingDown)
                return;
            var due = _time.GetTimestamp() + (long)(delay.TotalSeconds * _time.TimestampFrequency);
            if (_waitingUntil.TryGetValue(item, out var existing) && existing <= due)
                return;
            _waitingUntil[item] = due;
            _waiting.Enqueue(item, due);
            ArmTimerLocked();
        }
    }

    /// <summary>Adds the item after the delay its failure history calls for.</summary>
    public void AddRateLimited(TKey item) => AddAfter(item, _limiter.When(item));

    /// <summary>Clears the item's failure history (it succeeded or we gave up on it).</summary>
    public void Forget(TKey item) => _limiter.Forget(item);

    /// <summary>How many times the item has been retried since it was last forgotten.</summary>
    public int NumRequeues(TKey item) => _limiter.NumRequeues(item);

    /// <summary>Waits for the next item. Returns Ok == false once the queue is shut down and drained.</summary>
    public async ValueTask<(bool Ok, TKey Key)> GetAsync(CancellationToken ct)
    {
        if (!_available.Wait(0))
        {
            if (_shutdown.IsCancellationRequested)
                return (false, default!);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _shutdown.Token);
            try
            {
                await _available.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_shutdown.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                if (!_available.Wait(0))
                    return (false, default!);
            }
        }
        lock (_lock)
        {
            var item = _queue.Dequeue();
            _processing.Add(item);
            _dirty.Remove(item);
            return (true, item);
        }
    }

    /// <summary>The worker has finished with the item; if it was added meanwhile it is queued again now.</summary>
    public void Done(TKey item)
    {
        lock (_lock)
        {
            _processing.Remove(item);
            if (!_dirty.Contains(item))
                return;
            _queue.Enqueue(item);
        }
        _available.Release();
    }

    /// <summary>Stops accepting items. Items already queued are still handed out; then GetAsync returns Ok == false.</summary>
    public void ShutDown()
    {
        lock (_lock)
        {
            if (_shuttingDown)
                return;
            _shuttingDown = true;
            _waiting.Clear();
            _waitingUntil.Clear();
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        // Outside the lock: cancelling wakes waiting workers, which take the lock.
        _shutdown.Cancel();
    }

    private void OnTimer()
    {
        var ready = new List<TKey>();
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            while (_waiting.TryPeek(out var item, out var due) && due <= now)
            {
                _waiting.Dequeue();
                if (_waitingUntil.TryGetValue(item, out var current) && current == due)
                {
                    _waitingUntil.Remove(item);
                    ready.Add(item);
                }
            }
            ArmTimerLocked();
        }
        foreach (var item in ready)
            Add(item);
    }

    private void ArmTimerLocked()
    {
        while (_waiting.TryPeek(out var item, out var due))
        {
            if (_waitingUntil.TryGetValue(item, out var current) && current == due)
            {
                var wait = _time.GetElapsedTime(_time.GetTimestamp(), due);
                _timer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
                return;
            }
            _waiting.Dequeue(); // superseded by an earlier due time
        }
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Dispose()
    {
        ShutDown();
        _timer.Dispose();
        _available.Dispose();
        _shutdown.Dispose();
    }
}
