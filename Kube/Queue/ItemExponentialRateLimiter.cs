namespace Purelb.Kube;

/// <summary>Per-item exponential backoff: baseDelay·2^failures, capped at maxDelay.</summary>
public sealed class ItemExponentialRateLimiter<TKey>(TimeSpan baseDelay, TimeSpan maxDelay) : IRateLimiter<TKey> where TKey : notnull
{
    private readonly Lock _lock = new();
    private readonly Dictionary<TKey, int> _failures = [];

    public TimeSpan When(TKey item)
    {
        int previous;
        lock (_lock)
        {
            _failures.TryGetValue(item, out previous);
            _failures[item] = previous + 1;
        }
        // 2^62 already exceeds any TimeSpan; cap the exponent before it can overflow.
        var factor = Math.Pow(2, Math.Min(previous, 62));
        var ticks = baseDelay.Ticks * factor;
        return ticks >= maxDelay.Ticks ? maxDelay : TimeSpan.FromTicks((long)ticks);
    }

    public void Forget(TKey item)
    {
        lock (_lock) _failures.Remove(item);
    }

    public int NumRequeues(TKey item)
    {
        lock (_lock) return _failures.TryGetValue(item, out var n) ? n : 0;
    }
}
