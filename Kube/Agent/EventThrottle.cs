namespace Purelb.Kube.Agent;

/// <summary>
/// Keeps a failover storm from flooding the API server with Events: an identical event (same object, reason and
/// message) is let through at most once per <see cref="RepeatInterval"/>, and all events together share a token
/// bucket of <see cref="Burst"/> refilled at <see cref="PerSecond"/>. What is dropped is counted, never queued:
/// events are advisory, the logs and metrics keep the full story. Thread-safe.
/// </summary>
public sealed class EventThrottle(TimeProvider time)
{
    private readonly object _lock = new();
    private readonly Dictionary<string, long> _lastSent = new(StringComparer.Ordinal);
    private double _tokens = double.NaN;
    private long _refilledAt;

    public TimeSpan RepeatInterval { get; init; } = TimeSpan.FromMinutes(1);
    public int Burst { get; init; } = 50;
    public double PerSecond { get; init; } = 5;

    /// <summary>How many entries of repeat memory are kept before the oldest half is forgotten.</summary>
    public int MaxRemembered { get; init; } = 4096;

    public long Dropped { get; private set; }

    /// <summary>True when the event identified by <paramref name="key"/> may be written now (and records it).</summary>
    public bool Allow(string key)
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            if (double.IsNaN(_tokens))
            {
                _tokens = Burst;
                _refilledAt = now;
            }
            else
            {
                _tokens = Math.Min(Burst, _tokens + time.GetElapsedTime(_refilledAt, now).TotalSeconds * PerSecond);
                _refilledAt = now;
            }
            if (_lastSent.TryGetValue(key, out var last) && time.GetElapsedTime(last, now) < RepeatInterval)
            {
                Dropped++;
                return false;
            }
            if (_tokens < 1)
            {
                Dropped++;
                return false;
            }
            _tokens -= 1;
            if (_lastSent.Count >= MaxRemembered) Forget(now);
            _lastSent[key] = now;
            return true;
        }
    }

    /// <summary>Lets the next identical event through again (the situation it reports changed).</summary>
    public void Reset(string key)
    {
        lock (_lock) _lastSent.Remove(key);
    }

    private void Forget(long now)
    {
        foreach (var (k, t) in _lastSent.ToList())
        {
            if (time.GetElapsedTime(t, now) >= RepeatInterval) _lastSent.Remove(k);
        }
        if (_lastSent.Count < MaxRemembered) return;
        foreach (var (k, _) in _lastSent.OrderBy(kv => kv.Value).Take(_lastSent.Count / 2).ToList()) _lastSent.Remove(k);
    }
}
