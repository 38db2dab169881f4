namespace Purelb.Tests.Election;

/// <summary>
/// A manual <see cref="TimeProvider"/>. Its local time runs at <see cref="Rate"/> × true time when driven by
/// a <see cref="FakeWorld"/>, so two nodes can have clocks that disagree in rate. Timers fire in due order,
/// synchronously, while time is advanced.
/// </summary>
public sealed class FakeClock : TimeProvider
{
    private readonly object _lock = new();
    private readonly List<FakeTimer> _timers = [];
    private readonly DateTimeOffset _wallStart;
    private long _localTicks;

    public FakeClock(double rate = 1.0, DateTimeOffset? wallStart = null)
    {
        Rate = rate;
        _wallStart = wallStart ?? new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    }

    public double Rate { get; }

    public TimeSpan Local { get { lock (_lock) return TimeSpan.FromTicks(_localTicks); } }

    public override DateTimeOffset GetUtcNow() => _wallStart + Local;
    public override long GetTimestamp() { lock (_lock) return _localTicks; }
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new FakeTimer(this, callback, state);
        lock (_lock) _timers.Add(timer);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Advance this clock alone by a local duration, firing due timers in order.</summary>
    public void Advance(TimeSpan delta) => AdvanceTo(TimeSpan.FromTicks(Local.Ticks + delta.Ticks));

    internal void AdvanceTo(TimeSpan target)
    {
        while (true)
        {
            FakeTimer? due;
            lock (_lock)
            {
                due = _timers.Where(t => t.DueAt is { } d && d <= target.Ticks).MinBy(t => t.DueAt!.Value);
                if (due is null)
                {
                    if (target.Ticks > _localTicks) _localTicks = target.Ticks;
                    return;
                }
                if (due.DueAt!.Value > _localTicks) _localTicks = due.DueAt.Value;
            }
            due.Fire();
        }
    }

    /// <summary>Moves local time forward without firing anything (a world sets every clock before firing).</summary>
    internal void SetLocal(TimeSpan target)
    {
        lock (_lock)
        {
            if (target.Ticks > _localTicks) _localTicks = target.Ticks;
        }
    }

    /// <summary>Fires every timer due at or before the current local time; true if any fired.</summary>
    internal bool FireDue()
    {
        bool any = false;
        while (true)
        {
            FakeTimer? due;
            lock (_lock) due = _timers.Where(t => t.DueAt is { } d && d <= _localTicks).MinBy(t => t.DueAt!.Value);
            if (due is null) return any;
            due.Fire();
            any = true;
        }
    }

    internal long? NextDue()
    {
        lock (_lock) return _timers.Where(t => t.DueAt is not null).Select(t => t.DueAt).Min();
    }

    internal void Forget(FakeTimer timer)
    {
        lock (_lock) _timers.Remove(timer);
    }

    internal sealed class FakeTimer(FakeClock clock, TimerCallback callback, object? state) : ITimer
    {
        private long _period = -1;
        public long? DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._lock)
            {
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : clock._localTicks + Math.Max(0, dueTime.Ticks);
                _period = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? -1 : period.Ticks;
            }
            return true;
        }

        public void Fire()
        {
            lock (clock._lock)
            {
                DueAt = _period > 0 ? DueAt + _period : null;
            }
            callback(state);
        }

        public void Dispose()
        {
            lock (clock._lock) DueAt = null;
            clock.Forget(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>True time shared by several <see cref="FakeClock"/>s that run at different rates.</summary>
public sealed class FakeWorld(params FakeClock[] clocks)
{
    public TimeSpan Now { get; private set; }

    /// <summary>Advances true time, firing every clock's timers in true-time order.</summary>
    public void Advance(TimeSpan delta) => AdvanceTo(Now + delta);

    public void AdvanceTo(TimeSpan target)
    {
        while (true)
        {
            // Earliest true instant at which some clock's next timer is due.
            long? nextTrue = null;
            foreach (var c in clocks)
            {
                if (c.NextDue() is not { } dueLocal) continue;
                long t = (long)Math.Ceiling(dueLocal / c.Rate);
                while ((long)Math.Floor(t * c.Rate) < dueLocal) t++;
                if (t < Now.Ticks) t = Now.Ticks;
                if (nextTrue is null || t < nextTrue) nextTrue = t;
            }
            if (nextTrue is null || nextTrue > target.Ticks)
            {
                SetAll(target);
                return;
            }
            SetAll(TimeSpan.FromTicks(nextTrue.Value));
        }
    }

    private void SetAll(TimeSpan trueTime)
    {
        Now = trueTime;
        // Every clock shows the new instant before any timer runs, so a callback on one node that reads
        // another node's clock (a peer observing a write) sees the same true time.
        foreach (var c in clocks)
        {
            c.SetLocal(TimeSpan.FromTicks((long)Math.Floor(trueTime.Ticks * c.Rate)));
        }
        bool fired;
        do
        {
            fired = false;
            foreach (var c in clocks) fired |= c.FireDue();
        }
        while (fired);
    }
}
