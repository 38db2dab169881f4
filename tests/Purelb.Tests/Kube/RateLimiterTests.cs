using Purelb.Kube;
using Xunit;

namespace Purelb.Tests.Kube;

public class RateLimiterTests
{
    [Fact]
    public void Item_exponential_doubles_from_base_and_caps_at_max()
    {
        var r = new ItemExponentialRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));
        Assert.Equal(TimeSpan.FromMilliseconds(5), r.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(10), r.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(20), r.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), r.When("b")); // per item
        for (var i = 0; i < 100; i++) r.When("a");
        Assert.Equal(TimeSpan.FromSeconds(1000), r.When("a"));
        Assert.Equal(104, r.NumRequeues("a"));
        r.Forget("a");
        Assert.Equal(0, r.NumRequeues("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), r.When("a"));
    }

    [Fact]
    public void Token_bucket_allows_a_burst_then_spaces_retries_at_qps_and_refills_with_time()
    {
        var time = new FakeTimeProvider();
        var r = new TokenBucketRateLimiter<string>(qps: 10, burst: 3, time);
        Assert.Equal(TimeSpan.Zero, r.When("a"));
        Assert.Equal(TimeSpan.Zero, r.When("b"));
        Assert.Equal(TimeSpan.Zero, r.When("c"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), r.When("d"));
        Assert.Equal(TimeSpan.FromMilliseconds(200), r.When("e"));
        time.Advance(TimeSpan.FromSeconds(10)); // refills, but never beyond the burst
        Assert.Equal(TimeSpan.Zero, r.When("f"));
        Assert.Equal(TimeSpan.Zero, r.When("g"));
        Assert.Equal(TimeSpan.Zero, r.When("h"));
        Assert.True(r.When("i") > TimeSpan.Zero);
    }

    [Fact]
    public void Default_controller_limiter_takes_the_larger_of_item_backoff_and_bucket()
    {
        var time = new FakeTimeProvider();
        var r = RateLimiters.DefaultController<string>(time);
        Assert.Equal(TimeSpan.FromMilliseconds(5), r.When("x"));
        for (var i = 0; i < 150; i++) r.When($"k{i}");
        // The bucket (burst 100) is now empty; a fresh item waits for a token, far longer than its own 5 ms.
        Assert.True(r.When("fresh") >= TimeSpan.FromSeconds(5));
    }

    [Fact]
    public void Exponential_backoff_doubles_caps_and_resets_after_a_quiet_period()
    {
        var time = new FakeTimeProvider();
        var b = new ExponentialBackoff(time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), TimeSpan.FromMinutes(2), jitter: 0);
        Assert.Equal(TimeSpan.FromSeconds(1), b.NextDelay());
        Assert.Equal(TimeSpan.FromSeconds(2), b.NextDelay());
        Assert.Equal(TimeSpan.FromSeconds(4), b.NextDelay());
        Assert.Equal(TimeSpan.FromSeconds(8), b.NextDelay());
        Assert.Equal(TimeSpan.FromSeconds(8), b.NextDelay());
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(TimeSpan.FromSeconds(8), b.NextDelay()); // not quiet long enough
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(TimeSpan.FromSeconds(1), b.NextDelay());
    }

    [Fact]
    public void Exponential_backoff_jitter_stays_within_its_fraction_and_varies()
    {
        var time = new FakeTimeProvider();
        var delays = new HashSet<TimeSpan>();
        for (var i = 0; i < 50; i++)
        {
            var b = new ExponentialBackoff(time, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(8), TimeSpan.FromMinutes(2), jitter: 0.5, new Random(i));
            var d = b.NextDelay();
            Assert.InRange(d, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1.5));
            delays.Add(d);
        }
        Assert.True(delays.Count > 10);
    }
}
