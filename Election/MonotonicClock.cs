namespace Purelb.Election;

/// <summary>
/// Elapsed time on a <see cref="TimeProvider"/>'s monotonic timestamp, as a <see cref="TimeSpan"/> from an
/// arbitrary origin. Lease ages are measured only with this, never with wall-clock stamps in records.
/// </summary>
internal static class MonotonicClock
{
    public static TimeSpan Now(TimeProvider time)
    {
        long ts = time.GetTimestamp();
        long freq = time.TimestampFrequency;
        return freq == TimeSpan.TicksPerSecond
            ? TimeSpan.FromTicks(ts)
            : TimeSpan.FromTicks((long)((Int128)ts * TimeSpan.TicksPerSecond / freq));
    }
}
