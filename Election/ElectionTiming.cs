namespace Purelb.Election;

/// <summary>
/// Timing of the node lease and of self-fencing, validated up front (as client-go's elector does) so a
/// bad combination is a start-up error rather than a split brain.
/// <para>
/// Fencing rule (proved in docs/election.md): a node stops announcing at
/// <c>lastConfirmedRenewStart + LeaseDuration − FencingMargin</c> on its own monotonic clock, where
/// <c>FencingMargin = 2·ClockRateTolerance·LeaseDuration + WithdrawAllowance</c>. A peer that observed
/// that renewal cannot consider the lease expired before <c>renewStart + LeaseDuration</c> measured on
/// its own clock, which is later in true time whenever both clocks' rates are within the tolerance.
/// </para>
/// </summary>
public sealed record ElectionTiming
{
    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromSeconds(5);
    public const double DefaultClockRateTolerance = 0.01;
    public static readonly TimeSpan DefaultWithdrawAllowance = TimeSpan.FromMilliseconds(250);

    /// <summary>L: written as <c>leaseDurationSeconds</c>, so whole seconds only.</summary>
    public TimeSpan LeaseDuration { get; }

    /// <summary>Time between the starts of successful renewals.</summary>
    public TimeSpan RenewPeriod { get; }

    /// <summary>Time between attempts after a failed renewal.</summary>
    public TimeSpan RetryPeriod { get; }

    /// <summary>Upper bound on one store call; a slower call counts as failed.</summary>
    public TimeSpan RequestTimeout { get; }

    /// <summary>ε: the largest relative rate difference of any node's monotonic clock from true time.</summary>
    public double ClockRateTolerance { get; }

    /// <summary>W: how long the agent may take, once fenced, to remove every local address.</summary>
    public TimeSpan WithdrawAllowance { get; }

    /// <summary>2·ε·L + W.</summary>
    public TimeSpan FencingMargin { get; }

    /// <summary>L − margin: how long after the start of the last confirmed renewal the node fences.</summary>
    public TimeSpan FenceAfter { get; }

    public ElectionTiming(
        TimeSpan leaseDuration,
        TimeSpan renewPeriod,
        TimeSpan retryPeriod,
        TimeSpan? requestTimeout = null,
        double clockRateTolerance = DefaultClockRateTolerance,
        TimeSpan? withdrawAllowance = null)
    {
        var w = withdrawAllowance ?? DefaultWithdrawAllowance;
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
        var margin = TimeSpan.FromTicks((long)Math.Ceiling(2 * clockRateTolerance * leaseDuration.Ticks)) + w;
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
        var timeout = requestTimeout ?? renewPeriod;
        if (timeout <= TimeSpan.Zero || timeout > fenceAfter)
        {
            throw new ArgumentException($"request timeout {timeout} must be positive and at most {fenceAfter}", nameof(requestTimeout));
        }
        LeaseDuration = leaseDuration;
        RenewPeriod = renewPeriod;
        RetryPeriod = retryPeriod;
        RequestTimeout = timeout;
        ClockRateTolerance = clockRateTolerance;
        WithdrawAllowance = w;
        FencingMargin = margin;
        FenceAfter = fenceAfter;
    }

    /// <summary>Defaults derived from L: renew every min(0.4·L, (L − margin)/2), retry every L/10.</summary>
    public static ElectionTiming ForLeaseDuration(TimeSpan leaseDuration)
    {
        var probe = TimeSpan.FromTicks((long)Math.Ceiling(2 * DefaultClockRateTolerance * leaseDuration.Ticks)) + DefaultWithdrawAllowance;
        var renew = TimeSpan.FromMilliseconds(Math.Floor(Math.Min(leaseDuration.TotalMilliseconds * 0.4, (leaseDuration - probe).TotalMilliseconds / 2)));
        var retry = TimeSpan.FromMilliseconds(Math.Max(1, Math.Min(renew.TotalMilliseconds, Math.Floor(leaseDuration.TotalMilliseconds / 10))));
        return new ElectionTiming(leaseDuration, renew, retry);
    }

    public static ElectionTiming Default { get; } = ForLeaseDuration(DefaultLeaseDuration);

    public int LeaseDurationSeconds => (int)(LeaseDuration.Ticks / TimeSpan.TicksPerSecond);
}
