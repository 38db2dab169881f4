namespace Purelb.Kube;

/// <summary>
/// Delay before retrying a failed list or watch: doubles from <see cref="Initial"/> up to <see cref="Max"/>, with up
/// to <see cref="Jitter"/>·delay added at random, and starts over once a stretch of <see cref="ResetAfter"/> has
/// passed without a failure.
/// </summary>
public sealed class ExponentialBackoff
{
    private readonly TimeProvider _time;
    private readonly Random _random;
    private TimeSpan _current;
    private long _lastFailure;
    private bool _failedBefore;

    public ExponentialBackoff(TimeProvider time, TimeSpan initial, TimeSpan max, TimeSpan resetAfter, double jitter = 1.0, Random? random = null)
    {
        if (initial <= TimeSpan.Zero || max < initial) throw new ArgumentOutOfRangeException(nameof(max), "need 0 < initial <= max");
        if (jitter < 0) throw new ArgumentOutOfRangeException(nameof(jitter));
        _time = time;
        Initial = initial;
        Max = max;
        ResetAfter = resetAfter;
        Jitter = jitter;
        _random = random ?? Random.Shared;
    }

    public TimeSpan Initial { get; }
    public TimeSpan Max { get; }
    public TimeSpan ResetAfter { get; }
    public double Jitter { get; }

    /// <summary>Records a failure and returns how long to wait before the next attempt.</summary>
    public TimeSpan NextDelay()
    {
        var now = _time.GetTimestamp();
        if (!_failedBefore || _time.GetElapsedTime(_lastFailure, now) >= ResetAfter)
            _current = Initial;
        else
            _current = TimeSpan.FromTicks(Math.Min(Max.Ticks, _current.Ticks * 2));
        _failedBefore = true;
        _lastFailure = now;
        return _current + TimeSpan.FromTicks((long)(_current.Ticks * Jitter * _random.NextDouble()));
    }

    /// <summary>The step the next failure would start from (without jitter); for tests and logs.</summary>
    public TimeSpan Current => _current;
}
