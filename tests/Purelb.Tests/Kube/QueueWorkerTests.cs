using Purelb.Kube;
using Xunit;

namespace Purelb.Tests.Kube;

public class QueueWorkerTests
{
    [Fact]
    public async Task A_failing_sync_is_retried_with_backoff_and_forgotten_on_success()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(time, new ItemExponentialRateLimiter<string>(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)));
        var attempts = 0;
        var worker = new QueueWorker<string>(queue, (key, _) =>
        {
            attempts++;
            if (attempts == 2) throw new InvalidOperationException("boom"); // a throw counts as a retry
            return Task.FromResult(attempts < 3 ? SyncResult.Retry : SyncResult.Success);
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var run = worker.RunAsync(cts.Token);

        queue.Add("ns/a");
        await Eventually.True(() => attempts == 1 && queue.DelayedCount == 1, "first attempt failed and waits");
        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.True(() => attempts == 2 && queue.DelayedCount == 1, "second attempt threw and waits");
        time.Advance(TimeSpan.FromSeconds(1.9));
        await Task.Delay(30);
        Assert.Equal(2, attempts); // the second wait is 2 s
        time.Advance(TimeSpan.FromSeconds(0.1));
        await Eventually.True(() => attempts == 3, "third attempt");
        await Eventually.True(() => queue.NumRequeues("ns/a") == 0, "forgotten after success");
        queue.ShutDown();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_key_is_dropped_after_MaxRetries()
    {
        var time = new FakeTimeProvider();
        using var queue = new WorkQueue<string>(time, new ItemExponentialRateLimiter<string>(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)));
        var attempts = 0;
        var worker = new QueueWorker<string>(queue, (_, _) => { attempts++; return Task.FromResult(SyncResult.Retry); }) { MaxRetries = 2 };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var run = worker.RunAsync(cts.Token);
        queue.Add("k");
        for (var i = 1; i <= 2; i++)
        {
            await Eventually.True(() => attempts == i && queue.DelayedCount == 1, $"attempt {i} waits");
            time.Advance(TimeSpan.FromSeconds(1));
        }
        await Eventually.True(() => attempts == 3, "last attempt");
        await Task.Delay(30);
        Assert.Equal(0, queue.DelayedCount);
        Assert.Equal(0, queue.NumRequeues("k"));
        queue.ShutDown();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Concurrent_loops_sync_different_keys_at_once_but_never_one_key_twice_and_keep_its_order()
    {
        using var queue = new WorkQueue<string>(TimeProvider.System);
        var inFlight = new Dictionary<string, int>();
        var seen = new Dictionary<string, List<int>>();
        var generation = new Dictionary<string, int>();
        var gate = new object();
        int running = 0, maxRunning = 0, overlapsOfOneKey = 0;
        var worker = new QueueWorker<string>(queue, async (key, _) =>
        {
            int version;
            lock (gate)
            {
                if (inFlight.GetValueOrDefault(key) > 0) overlapsOfOneKey++;
                inFlight[key] = inFlight.GetValueOrDefault(key) + 1;
                maxRunning = Math.Max(maxRunning, ++running);
                version = generation.GetValueOrDefault(key); // the state this sync "publishes"
            }
            await Task.Delay(Random.Shared.Next(1, 4));
            lock (gate)
            {
                seen.TryAdd(key, []);
                seen[key].Add(version);
                inFlight[key]--;
                running--;
            }
            return SyncResult.Success;
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var run = worker.RunAsync(8, cts.Token);

        var keys = Enumerable.Range(0, 20).Select(i => $"ns/s{i}").ToList();
        for (var round = 1; round <= 10; round++)
        {
            foreach (var key in keys)
            {
                lock (gate) generation[key] = round;
                queue.Add(key);
            }
            await Task.Delay(2);
        }
        await Eventually.True(() => { lock (gate) return keys.All(k => seen.TryGetValue(k, out var v) && v[^1] == 10) && running == 0; },
            "every key synced at its last state");
        queue.ShutDown();
        await run.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(0, overlapsOfOneKey);
        Assert.True(maxRunning > 1, $"keys were synced one at a time (max {maxRunning})");
        foreach (var key in keys)
        {
            var versions = seen[key];
            Assert.Equal(versions.Order(), versions); // one key's syncs never overtake each other
        }
    }
}
