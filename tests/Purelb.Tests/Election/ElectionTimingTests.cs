using Purelb.Election;
using Xunit;

namespace Purelb.Tests.Election;

public class ElectionTimingTests
{
    private static TimeSpan Ms(int ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void Defaults_are_valid_and_consistent()
    {
        var t = ElectionTiming.Default;
        Assert.Equal(TimeSpan.FromSeconds(5), t.LeaseDuration);
        Assert.Equal(5, t.LeaseDurationSeconds);
        Assert.Equal(Ms(2000), t.RenewPeriod);
        Assert.Equal(Ms(500), t.RetryPeriod);
        Assert.Equal(Ms(350), t.FencingMargin); // 2 × 1% × 5 s + 250 ms
        Assert.Equal(Ms(4650), t.FenceAfter);
        Assert.Equal(Ms(500), t.WatchLagAllowance);
        Assert.Equal(Ms(2000), t.RequestTimeout);
        Assert.True(t.RenewPeriod + t.RequestTimeout + t.WatchLagAllowance <= t.FenceAfter);
        Assert.True(2 * t.RenewPeriod <= t.FenceAfter);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(60)]
    public void Derived_timings_validate(int seconds)
    {
        var t = ElectionTiming.ForLeaseDuration(TimeSpan.FromSeconds(seconds));
        Assert.True(t.RenewPeriod > TimeSpan.Zero && 2 * t.RenewPeriod <= t.FenceAfter);
        Assert.True(t.RenewPeriod + t.RequestTimeout + t.WatchLagAllowance <= t.FenceAfter);
        Assert.True(t.FenceAfter < t.LeaseDuration);
    }

    [Theory]
    [InlineData(500, 100, 50, "whole number of seconds")]         // sub-second lease: would be written as 0
    [InlineData(5500, 1000, 100, "whole number of seconds")]
    [InlineData(5000, 2400, 100, "renew period")]                  // 2·R > L − margin
    [InlineData(5000, 0, 100, "renew period")]
    [InlineData(5000, 2000, 0, "retry period")]
    [InlineData(5000, 1000, 2000, "retry period")]                 // retry slower than renew
    public void Bad_ratios_are_rejected(int leaseMs, int renewMs, int retryMs, string mentions)
    {
        var e = Assert.Throws<ArgumentException>(() => new ElectionTiming(Ms(leaseMs), Ms(renewMs), Ms(retryMs)));
        Assert.Contains(mentions, e.Message);
    }

    [Fact]
    public void Tolerance_and_allowance_are_checked()
    {
        Assert.Throws<ArgumentException>(() => new ElectionTiming(Ms(5000), Ms(1000), Ms(100), clockRateTolerance: 0.2));
        Assert.Throws<ArgumentException>(() => new ElectionTiming(Ms(5000), Ms(1000), Ms(100), clockRateTolerance: -0.01));
        Assert.Throws<ArgumentException>(() => new ElectionTiming(Ms(5000), Ms(1000), Ms(100), withdrawAllowance: TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => new ElectionTiming(Ms(1000), Ms(100), Ms(100), withdrawAllowance: Ms(1000)));
        Assert.Throws<ArgumentException>(() => new ElectionTiming(Ms(5000), Ms(1000), Ms(100), requestTimeout: Ms(6000)));
        // R + T + Δ must fit in F, or a renewal acknowledged in time could arrive after the previous one ran out.
        Assert.Throws<ArgumentException>(() => new ElectionTiming(Ms(5000), Ms(2000), Ms(100), requestTimeout: Ms(2200)));
        Assert.Throws<ArgumentException>(() => new ElectionTiming(Ms(5000), Ms(2000), Ms(100), watchLagAllowance: Ms(-1)));
    }
}
