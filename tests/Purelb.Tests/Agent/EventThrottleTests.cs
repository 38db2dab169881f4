using Purelb.Kube.Agent;
using Purelb.Tests.Election;
using Xunit;

namespace Purelb.Tests.Agent;

public class EventThrottleTests
{
    [Fact]
    public void An_identical_event_passes_once_per_repeat_interval_unless_reset()
    {
        var clock = new FakeClock();
        var t = new EventThrottle(clock) { RepeatInterval = TimeSpan.FromSeconds(60) };
        Assert.True(t.Allow("svc|AnnouncingLocal|192.0.2.5"));
        Assert.False(t.Allow("svc|AnnouncingLocal|192.0.2.5"));
        Assert.True(t.Allow("svc|AnnouncingLocal|192.0.2.6"));
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.False(t.Allow("svc|AnnouncingLocal|192.0.2.5"));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(t.Allow("svc|AnnouncingLocal|192.0.2.5"));
        t.Reset("svc|AnnouncingLocal|192.0.2.5");
        Assert.True(t.Allow("svc|AnnouncingLocal|192.0.2.5"));
        Assert.Equal(2, t.Dropped);
    }

    [Fact]
    public void A_storm_of_distinct_events_is_cut_to_the_burst_then_the_refill_rate()
    {
        var clock = new FakeClock();
        var t = new EventThrottle(clock) { Burst = 50, PerSecond = 5 };
        int passed = Enumerable.Range(0, 1000).Count(i => t.Allow($"svc-{i}|AnnouncingLocal"));
        Assert.Equal(50, passed);
        Assert.Equal(950, t.Dropped);
        clock.Advance(TimeSpan.FromSeconds(2));
        passed = Enumerable.Range(1000, 100).Count(i => t.Allow($"svc-{i}|AnnouncingLocal"));
        Assert.Equal(10, passed);
        // The bucket never holds more than the burst, however long it was idle.
        clock.Advance(TimeSpan.FromHours(1));
        passed = Enumerable.Range(2000, 100).Count(i => t.Allow($"svc-{i}|AnnouncingLocal"));
        Assert.Equal(50, passed);
    }

    [Fact]
    public void Memory_stays_bounded()
    {
        var clock = new FakeClock();
        var t = new EventThrottle(clock) { Burst = 100_000, PerSecond = 100_000, MaxRemembered = 100 };
        for (int i = 0; i < 1000; i++) Assert.True(t.Allow($"k{i}"));
        // The most recent keys are still remembered.
        Assert.False(t.Allow("k999"));
    }
}
