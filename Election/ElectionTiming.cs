namespace Purelb.Election;

/// <summary>
/// Timing of the node lease and of self-fencing, validated up front (as client-go's elector does) so a
/// bad combination is a start-up error rather than a split brain. docs/election.md has the proof.
/// <para>
/// Fencing rule: a node may announce only until <c>s + LeaseDuration − FencingMargin</c> on its own monotonic
/// clock, where <c>s</c> is the start of a renewal the store acknowledged, and
/// <c>FencingMargin = 2·ClockRateTolerance·LeaseDuration + WithdrawAllowance</c>. A peer that observed that
/// renewal cannot see the lease expire before <c>s + LeaseDuration</c> measured on its own clock.
/// A confirmed renewal only counts once peers have surely seen it: <see cref="WatchLagAllowance"/> after
/// its acknowledgement (plus <see cref="WithdrawAllowance"/> when the node is (re)joining, so a peer that
/// held its addresses meanwhile has withdrawn them).
/// </para>
/// </summary>
public sealed record ElectionTiming
{
    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromSeconds(5);
    public const double DefaultClockRateTolerance = 0.01;
    public static readonly TimeSpan DefaultWithdrawAllowance = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan DefaultWatchLagAllowance = TimeSpan.FromMilliseconds(500);

    /// <summary>L: written as <c>leaseDurationSeconds</c>, so whole seconds only.</summary>
    public TimeSpan LeaseDuration { get; }

    /// <summary>Time between the starts of successful renewals.</summary>
    public TimeSpan RenewPeriod { get; }

    /// <summary>Time between attempts after a failed renewal.</summary>
    public TimeSpan RetryPeriod { get; }

    /// <summary>Upper bound on one renewal attempt; a slower one counts as failed.</summary>
    public TimeSpan RequestTimeout { get; }

    /// <summary>ε: the largest relative rate difference of any node's monotonic clock from true time.</summary>
    public double ClockRateTolerance { get; }

    /// <summary>W: how long the agent may take, once fenced, to remove every local address.</summary>
    public TimeSpan WithdrawAllowance { get; }

    /// <summary>Δ: how late a peer may see a lease write after it was acknowledged (watch delivery and handling).</summary>
    public TimeSpan WatchLagAllowance { get; }

    /// <summary>2·ε·L + W.</summary>
    public TimeSpan FencingMargin { get; }

    /// <summary>F = L − margin: how long after the start of the last confirmed renewal the node fences.</summary>
    public TimeSpan FenceAfter { get; }

    /// <summary>Δ + W: wait after the first confirmed renewal (start-up, recovery) before announcing.</summary>
    public TimeSpan JoinHoldOff => WatchLagAllowance + WithdrawAllowance;

    public ElectionTiming(
        TimeSpan leaseDuration,
        TimeSpan renewPeriod,
        TimeSpan retryPeriod,
        TimeSpan? requestTimeout = null,
        double clockRateTolerance = DefaultClockRateTolerance,
        TimeSpan? withdrawAllowance = null,
        TimeSpan? watchLagAllowance = null)
    {
        var w = withdrawAllowance ?? DefaultWithdrawAllowance;
        var lag = watchLagAllowance ?? DefaultWatchLagAllowance;
        if (leaseDuration < TimeSpan.FromSeconds(1) || leaseDuration.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentException($"lease duration must be a whole number of seconds ≥ 1 s, got {leaseDuration}", nameof(leaseDuration));
        }
        if (!(clockRateTolerance >= 0 && clockRateTolerance < 0.1))
        {
            throw new ArgumentException($"clock rate tolerance must be in [0, 0.1), got {clockRateTolerance}", nameof(clockRateTolerance));
        }
        if (w <= TimeSpan.Zero)
        {
            throw new ArgumentException($"withdraw allowance must be positive, got {w}", nameof(withdrawAllowance));
        }
        if (lag < TimeSpan.Zero)
        {
            throw new ArgumentException($"watch lag allowance must not be negative, got {lag}", nameof(watchLagAllowance));
        }
        var margin = Margin(leaseDuration, clockRateTolerance, w);
        var fenceAfter = leaseDuration - margin;
        if (fenceAfter <= TimeSpan.Zero)
        {
            throw new ArgumentException($"fencing margin {margin} leaves nothing of lease duration {leaseDuration}");
        }
        if (renewPeriod <= TimeSpan.Zero || renewPeriod + renewPeriod > fenceAfter)
        {
            throw new ArgumentException(
                $"renew period {renewPeriod} must be positive and at most half of lease duration − fencing margin ({fenceAfter}), " +
                "so one failed renewal can be retried before the node fences", nameof(renewPeriod));
        }
        if (retryPeriod <= TimeSpan.Zero || retryPeriod > renewPeriod)
        {
            throw new ArgumentException($"retry period {retryPeriod} must be positive and at most the renew period {renewPeriod}", nameof(retryPeriod));
        }
        var timeout = requestTimeout ?? Min(renewPeriod, fenceAfter - renewPeriod - lag);
        if (timeout <= TimeSpan.Zero || renewPeriod + timeout + lag > fenceAfter)
        {
            throw new ArgumentException(
                $"request timeout {timeout} must be positive with renew period + request timeout + watch lag allowance ≤ {fenceAfter}, " +
                "so a renewal acknowledged in time takes effect before the previous one runs out", nameof(requestTimeout));
        }
        LeaseDuration = leaseDuration;
        RenewPeriod = renewPeriod;
        RetryPeriod = retryPeriod;
        RequestTimeout = timeout;
        ClockRateTolerance = clockRateTolerance;
        WithdrawAllowance = w;
        WatchLagAllowance = lag;
        FencingMargin = margin;
        FenceAfter = fenceAfter;
    }

    /// <summary>
    /// Defaults derived from L: watch lag min(500 ms, L/10); renew every min(0.4·L, (L − margin)/2); retry
    /// every L/10; request timeout min(renew, F − renew − lag).
    /// </summary>
    public static ElectionTiming ForLeaseDuration(TimeSpan leaseDuration)
    {
        var lag = Min(DefaultWatchLagAllowance, leaseDuration / 10);
        var fenceAfter = leaseDuration - Margin(leaseDuration, DefaultClockRateTolerance, DefaultWithdrawAllowance);
        var renew = FloorMs(Min(leaseDuration * 0.4, fenceAfter / 2));
        var retry = FloorMs(Min(renew, leaseDuration / 10));
        return new ElectionTiming(leaseDuration, renew, retry, watchLagAllowance: lag);
    }

    public static ElectionTiming Default { get; } = ForLeaseDuration(DefaultLeaseDuration);

    public int LeaseDurationSeconds => (int)(LeaseDuration.Ticks / TimeSpan.TicksPerSecond);

    private static TimeSpan Margin(TimeSpan l, double tolerance, TimeSpan w) =>
        TimeSpan.FromTicks((long)Math.Ceiling(2 * tolerance * l.Ticks)) + w;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan FloorMs(TimeSpan t) => TimeSpan.FromMilliseconds(Math.Floor(t.TotalMilliseconds));
}
