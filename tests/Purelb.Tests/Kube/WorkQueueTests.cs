using Purelb.Kube;
using Xunit;

namespace Purelb.Tests.Kube;

public class WorkQueueTests
{
    private static async Task<string> Next(WorkQueue<string> q)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var (ok, key) = await q.GetAsync(cts.Token);
        Assert.True(ok);
        return key;
    }

    [Fact]
    public async Task Adding_a_waiting_key_again_does_not_queue_it_twice()
    {
        using var q = new WorkQueue<string>(new FakeTimeProvider());
        q.Add("a");
        q.Add("b");
        q.Add("a");
        Assert.Equal(2, q.Count);
        Assert.Equal("a", await Next(q));
        Assert.Equal("b", await Next(q));
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public async Task A_key_added_while_processing_is_held_back_until_Done_and_then_processed_once()
    {
        using var q = new WorkQueue<string>(new FakeTimeProvider());
        q.Add("a");
        Assert.Equal("a", await Next(q));
        q.Add("a");
        q.Add("a");
        Assert.Equal(0, q.Count); // never handed to a second worker while the first holds it
        q.Done("a");
        Assert.Equal(1, q.Count);
        Assert.Equal("a", await Next(q));
        q.Done("a");
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public async Task Done_without_a_new_add_does_not_requeue()
    {
        using var q = new WorkQueue<string>(new FakeTimeProvider());
        q.Add("a");
        await Next(q);
        q.Done("a");
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public void AddAfter_waits_for_the_fake_clock()
    {
        var time = new FakeTimeProvider();
        using var q = new WorkQueue<string>(time);
        q.AddAfter("a", TimeSpan.FromSeconds(10));
        Assert.Equal(0, q.Count);
        Assert.Equal(1, q.DelayedCount);
        time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Equal(0, q.Count);
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(1, q.Count);
        Assert.Equal(0, q.DelayedCount);
    }

    [Fact]
    public void The_earlier_of_two_delayed_adds_wins_and_the_key_arrives_once()
    {
        var time = new FakeTimeProvider();
        using var q = new WorkQueue<string>(time);
        q.AddAfter("a", TimeSpan.FromSeconds(10));
        q.AddAfter("a", TimeSpan.FromSeconds(2));
        q.AddAfter("a", TimeSpan.FromSeconds(5)); // later than the standing one: ignored
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, q.Count);
        Assert.Equal(0, q.DelayedCount);
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(1, q.Count);
    }

    [Fact]
    public void Delayed_keys_come_out_in_due_order()
    {
        var time = new FakeTimeProvider();
        using var q = new WorkQueue<string>(time);
        q.AddAfter("late", TimeSpan.FromSeconds(3));
        q.AddAfter("early", TimeSpan.FromSeconds(1));
        q.AddAfter("middle", TimeSpan.FromSeconds(2));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, q.Count);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, q.Count);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(3, q.Count);
    }

    [Fact]
    public async Task AddRateLimited_backs_off_per_item_and_Forget_resets()
    {
        var time = new FakeTimeProvider();
        using var q = new WorkQueue<string>(time, new ItemExponentialRateLimiter<string>(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(100)));
        // 1 s, 2 s, 4 s: the third failure waits 4 s.
        q.AddRateLimited("a");
        time.Advance(TimeSpan.FromSeconds(1));
        await Next(q); q.Done("a");
        q.AddRateLimited("a");
        time.Advance(TimeSpan.FromSeconds(1.9));
        Assert.Equal(0, q.Count);
        time.Advance(TimeSpan.FromSeconds(0.1));
        await Next(q); q.Done("a");
        q.AddRateLimited("a");
        time.Advance(TimeSpan.FromSeconds(3.9));
        Assert.Equal(0, q.Count);
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(1, q.Count);
        Assert.Equal(3, q.NumRequeues("a"));
        await Next(q); q.Done("a");
        q.Forget("a");
        Assert.Equal(0, q.NumRequeues("a"));
        q.AddRateLimited("a");
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, q.Count);
    }

    [Fact]
    public async Task ShutDown_drains_queued_items_then_reports_shutdown()
    {
        using var q = new WorkQueue<string>(new FakeTimeProvider());
        q.Add("a");
        q.ShutDown();
        q.Add("b"); // refused after shutdown
        var (ok, key) = await q.GetAsync(CancellationToken.None);
        Assert.True(ok);
        Assert.Equal("a", key);
        (ok, _) = await q.GetAsync(CancellationToken.None);
        Assert.False(ok);
    }

    [Fact]
    public async Task ShutDown_wakes_a_waiting_worker()
    {
        using var q = new WorkQueue<string>(new FakeTimeProvider());
        var waiting = q.GetAsync(CancellationToken.None).AsTask();
        await Task.Delay(20);
        Assert.False(waiting.IsCompleted);
        q.ShutDown();
        var (ok, _) = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(ok);
    }

    [Fact]
    public async Task GetAsync_honours_cancellation()
    {
        using var q = new WorkQueue<string>(new FakeTimeProvider());
        using var cts = new CancellationTokenSource(50);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await q.GetAsync(cts.Token));
    }

    [Fact]
    public async Task Many_workers_never_hold_the_same_key_at_once_and_every_add_is_eventually_processed()
    {
        using var q = new WorkQueue<int>(TimeProvider.System);
        var holding = new int[10];
        var processedAfterLastAdd = new bool[10];
        var violations = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        async Task Worker()
        {
            while (true)
            {
                var (ok, key) = await q.GetAsync(cts.Token);
                if (!ok) return;
                if (Interlocked.Increment(ref holding[key]) != 1) Interlocked.Increment(ref violations);
                Volatile.Write(ref processedAfterLastAdd[key], true);
                await Task.Yield();
                Interlocked.Decrement(ref holding[key]);
                q.Done(key);
            }
        }

        var workers = Enumerable.Range(0, 4).Select(_ => Task.Run(Worker)).ToArray();
        for (var i = 0; i < 5000; i++)
        {
            var key = i % 10;
            Volatile.Write(ref processedAfterLastAdd[key], false);
            q.Add(key);
        }
        await Eventually.True(() => q.Count == 0 && processedAfterLastAdd.All(p => Volatile.Read(ref p)), "all keys processed after their last add");
        q.ShutDown();
        await Task.WhenAll(workers);
        Assert.Equal(0, violations);
    }
}
