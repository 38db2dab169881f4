namespace Purelb.Kube;

/// <summary>
/// An overall limit on retries across all items: a bucket of <c>burst</c> tokens refilled at <c>qps</c> per second.
/// Each retry takes a token, and when the bucket is empty it reserves the next one and waits for it.
/// </summary>
public sealed class TokenBucketRateLimiter<TKey> : IRateLimiter<TKey> where TKey : notnull
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly double _qps;
    private readonly int _burst;
    private double _tokens;
    private long _last;

    public TokenBucketRateLimiter(double qps, int burst, TimeProvider time)
    {
        if (qps <= 0 || burst < 1) throw new ArgumentOutOfRangeException(nameof(qps), "qps > 0 and burst >= 1");
        _qps = qps;
        _burst = burst;
        _time = time;
        _tokens = burst;
        _last = time.GetTimestamp();
    }

    public TimeSpan When(TKey item)
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            _tokens = Math.Min(_burst, _tokens + _time.GetElapsedTime(_last, now).TotalSeconds * _qps);
            _last = now;
            _tokens -= 1;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / _qps);
        }
    }

    public void Forget(TKey item) { }

    public int NumRequeues(TKey item) => 0;
}
