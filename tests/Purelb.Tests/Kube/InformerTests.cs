using System.Net;
using System.Net.Http;
using k8s.Models;
using Purelb.Kube;
using Xunit;

namespace Purelb.Tests.Kube;

public class InformerTests
{
    private static readonly InformerOptions Fast = new()
    {
        Reflector = new ReflectorOptions { InitialBackoff = TimeSpan.FromMilliseconds(5), MaxBackoff = TimeSpan.FromMilliseconds(20), Jitter = 0, ShortWatch = TimeSpan.Zero },
    };

    private sealed class Running : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cts = new();
        private readonly Task _run;
        public Running(Informer<V1Service> informer) => _run = informer.RunAsync(_cts.Token);
        public async ValueTask DisposeAsync()
        {
            _cts.Cancel();
            await _run.WaitAsync(TimeSpan.FromSeconds(5));
            _cts.Dispose();
        }
    }

    [Fact]
    public async Task First_list_fills_the_cache_as_initial_adds_and_marks_synced()
    {
        var source = new FakeListWatch();
        source.Add(FakeListWatch.Service("a", "one"));
        source.Add(FakeListWatch.Service("b", "two"));
        var informer = new Informer<V1Service>(source, TimeProvider.System, options: Fast);
        var handler = new RecordingHandler();
        informer.AddHandler(handler);
        Assert.False(informer.HasSynced);

        await using (new Running(informer))
        {
            await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            Assert.True(informer.HasSynced);
            Assert.Equal(2, informer.Cache.Count);
            Assert.Equal(["add(initial) a/one@1", "add(initial) b/two@2"], handler.Log.Order());
            Assert.Equal("2", informer.LastSyncResourceVersion);
        }
    }

    [Fact]
    public async Task The_cache_hands_out_its_own_key_instance_with_the_object()
    {
        var source = new FakeListWatch();
        source.Add(FakeListWatch.Service("a", "one"));
        var informer = new Informer<V1Service>(source, TimeProvider.System, options: Fast);
        await using (new Running(informer))
        {
            await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            var stored = Assert.Single(informer.Cache.Keys());
            var asked = string.Concat("a/", "one");
            Assert.True(informer.Cache.TryGet(asked, out var key, out var svc));
            Assert.Same(stored, key);
            Assert.NotSame(asked, key);
            Assert.Equal("one", svc.Metadata.Name);
            Assert.False(informer.Cache.TryGet("a/two", out _, out _));
        }
    }

    [Fact]
    public async Task Watch_events_create_update_and_delete_reach_cache_and_handlers_in_order()
    {
        var source = new FakeListWatch();
        var informer = new Informer<V1Service>(source, TimeProvider.System, options: Fast);
        var handler = new RecordingHandler();
        informer.AddHandler(handler);
        await using var _ = new Running(informer);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        await Eventually.True(() => source.OpenWatches == 1, "watch open");

        source.Add(FakeListWatch.Service("ns", "svc"));
        source.Modify(FakeListWatch.Service("ns", "svc", "changed"));
        source.Delete("ns", "svc");
        await Eventually.True(() => handler.Log.Count == 3, "three events");
        Assert.Equal(["add ns/svc@1", "update ns/svc@1->2", "delete ns/svc"], handler.Log);
        Assert.Equal(0, informer.Cache.Count);
        Assert.Equal("3", informer.LastSyncResourceVersion);
    }

    [Fact]
    public async Task Cache_holds_the_latest_state_and_lookups_by_key_work()
    {
        var source = new FakeListWatch();
        var informer = new Informer<V1Service>(source, TimeProvider.System, options: Fast);
        await using var _ = new Running(informer);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        source.Add(FakeListWatch.Service("ns", "svc", "v1"));
        source.Modify(FakeListWatch.Service("ns", "svc", "v2"));
        await Eventually.True(() => informer.Cache.Get("ns", "svc")?.Metadata.Annotations?["note"] == "v2", "latest state cached");
        Assert.Equal(["ns/svc"], informer.Cache.Keys());
        Assert.Single(informer.Cache.List());
    }

    [Fact]
    public async Task A_dropped_watch_resumes_from_the_last_seen_version_without_relisting_or_replaying()
    {
        var source = new FakeListWatch();
        source.Add(FakeListWatch.Service("ns", "a"));
        var informer = new Informer<V1Service>(source, TimeProvider.System, options: Fast);
        var handler = new RecordingHandler();
        informer.AddHandler(handler);
        await using var _ = new Running(informer);
        await Eventually.True(() => source.OpenWatches == 1, "watch open");
        source.Add(FakeListWatch.Service("ns", "b"));
        await Eventually.True(() => informer.Cache.Count == 2, "b seen");

        source.DropWatches();
        source.Add(FakeListWatch.Service("ns", "c")); // happens while disconnected; replayed from history on resume
        await Eventually.True(() => informer.Cache.Count == 3, "c seen after resume");

        Assert.Equal(1, source.Lists);
        Assert.Equal(["1", "2"], source.WatchResourceVersions);
        Assert.Equal(["add(initial) ns/a@1", "add ns/b@2", "add ns/c@3"], handler.Log);
    }

    [Fact]
    public async Task A_watch_the_server_ends_normally_is_reopened_from_the_last_version()
    {
        var source = new FakeListWatch();
        var informer = new Informer<V1Service>(source, TimeProvider.System, options: Fast);
        await using var _ = new Running(informer);
        await Eventually.True(() => source.OpenWatches == 1, "watch open");
        source.Add(FakeListWatch.Service("ns", "a"));
        await Eventually.True(() => informer.Cache.Count == 1, "a seen");
        source.EndWatches();
        await Eventually.True(() => source.WatchResourceVersions.Count == 2 && source.OpenWatches == 1, "watch reopened");
        Assert.Equal("1", source.WatchResourceVersions[1]);
        Assert.Equal(1, source.Lists);
    }

    [Fact]
    public async Task Bookmarks_advance_the_resume_point()
    {
        var source = new FakeListWatch();
        var informer = new Informer<V1Service>(source, TimeProvider.System, options: Fast);
        await using var _ = new Running(informer);
        await Eventually.True(() => source.OpenWatches == 1, "watch open");
        source.DeleteSilently("ns", "nothing"); // bumps the version with no event
        source.SendBookmark();
        await Eventually.True(() => informer.LastSyncResourceVersion == "2", "bookmark seen");
        source.DropWatches();
        await Eventually.True(() => source.WatchResourceVersions.Count == 2, "resumed");
        Assert.Equal("2", source.WatchResourceVersions[1]);
    }

    [Fact]
    public async Task Compaction_410_relists_and_emits_deletes_for_objects_that_vanished_meanwhile()
    {
        var source = new FakeListWatch();
        source.Add(FakeListWatch.Service("ns", "keep"));
        source.Add(FakeListWatch.Service("ns", "vanish"));
        var informer = new Informer<V1Service>(source, TimeProvider.System, options: Fast);
        var handler = new RecordingHandler();
        informer.AddHandler(handler);
        await using var _ = new Running(informer);
        await Eventually.True(() => source.OpenWatches == 1, "watch open");

        source.DropWatches();
        source.DeleteSilently("ns", "vanish");
        source.Add(FakeListWatch.Service("ns", "new"));
        source.Compact(); // the informer's version (2) is now too old: its resume gets 410

        await Eventually.True(() => source.Lists == 2 && informer.Cache.Count == 2, "relisted");
        Assert.Null(informer.Cache.Get("ns", "vanish"));
        Assert.NotNull(informer.Cache.Get("ns", "new"));
        // Handlers hear of a relist's changes after the cache has them.
        await Eventually.True(() => handler.Log.Contains("delete(unknown) ns/vanish") && handler.Log.Contains("add ns/new@4"),
            "relist delivered");
        // The unchanged object is not redelivered by the relist.
        Assert.Single(handler.Log, l => l.Contains("ns/keep"));
        await Eventually.True(() => source.OpenWatches == 1, "watching again");
        Assert.Equal("4", source.WatchResourceVersions[^1]);
    }

    [Fact]
    public async Task An_ERROR_410_in_the_watch_stream_also_relists()
    {
        var source = new FakeListWatch();
        var informer = new Informer<V1Service>(source, TimeProvider.System, options: Fast);
        await using var _ = new Running(informer);
        await Eventually.True(() => source.OpenWatches == 1, "watch open");
        source.FailNextWatch(FakeListWatch.Gone());
        source.EndWatches();
        await Eventually.True(() => source.Lists == 2, "relisted after 410");
    }

    [Fact]
    public async Task Duplicate_events_are_delivered_once()
    {
        var source = new FakeListWatch { DuplicateEvents = true };
        var informer = new Informer<V1Service>(source, TimeProvider.System, options: Fast);
        var handler = new RecordingHandler();
        informer.AddHandler(handler);
        await using var _ = new Running(informer);
        await Eventually.True(() => source.OpenWatches == 1, "watch open");
        source.Add(FakeListWatch.Service("ns", "a"));
        source.Modify(FakeListWatch.Service("ns", "a", "x"));
        source.Add(FakeListWatch.Service("ns", "b"));
        await Eventually.True(() => informer.Cache.Count == 2 && informer.LastSyncResourceVersion == "3", "all seen");
        Assert.Equal(["add ns/a@1", "update ns/a@1->2", "add ns/b@3"], handler.Log);
    }

    [Fact]
    public async Task Connection_refused_on_list_backs_off_and_retries_without_losing_anything()
    {
        var source = new FakeListWatch();
        source.Add(FakeListWatch.Service("ns", "a"));
        source.FailNextList(new HttpRequestException("Connection refused"));
        source.FailNextList(new KubeApiException(HttpStatusCode.TooManyRequests, "TooManyRequests", "slow down"));
        var informer = new Informer<V1Service>(source, TimeProvider.System, options: Fast);
        await using var _ = new Running(informer);
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(3, source.Lists);
        Assert.Equal(1, informer.Cache.Count);
    }

    [Fact]
    public async Task Transient_watch_failure_waits_the_backoff_on_the_injected_clock_then_resumes_without_relist()
    {
        var time = new FakeTimeProvider();
        var options = new InformerOptions
        {
            Reflector = new ReflectorOptions { InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(30), Jitter = 0 },
        };
        var source = new FakeListWatch();
        source.FailNextWatch(new HttpRequestException("Connection refused"));
        source.FailNextWatch(new HttpRequestException("Connection refused"));
        var informer = new Informer<V1Service>(source, time, options: options);
        await using var _ = new Running(informer);
        await Eventually.True(() => source.WatchResourceVersions.Count == 1 && time.ArmedTimers == 1, "first watch failed, waiting");
        time.Advance(TimeSpan.FromSeconds(0.9));
        await Task.Delay(50);
        Assert.Single(source.WatchResourceVersions);
        time.Advance(TimeSpan.FromSeconds(0.1));
        await Eventually.True(() => source.WatchResourceVersions.Count == 2 && time.ArmedTimers == 1, "second watch failed, waiting");
        time.Advance(TimeSpan.FromSeconds(1.9)); // second wait is 2 s
        await Task.Delay(50);
        Assert.Equal(2, source.WatchResourceVersions.Count);
        time.Advance(TimeSpan.FromSeconds(0.1));
        await Eventually.True(() => source.OpenWatches == 1, "third watch open");
        Assert.Equal(1, source.Lists);
    }

    [Fact]
    public async Task A_handler_added_late_gets_the_cache_replayed_then_live_events()
    {
        var source = new FakeListWatch();
        source.Add(FakeListWatch.Service("ns", "a"));
        var informer = new Informer<V1Service>(source, TimeProvider.System, options: Fast);
        await using var _ = new Running(informer);
        await Eventually.True(() => source.OpenWatches == 1, "watch open");
        var late = new RecordingHandler();
        var registration = informer.AddHandler(late);
        source.Add(FakeListWatch.Service("ns", "b"));
        await Eventually.True(() => late.Log.Count == 2, "late handler saw both");
        Assert.Equal(["add(initial) ns/a@1", "add ns/b@2"], late.Log);
        registration.Dispose();
        source.Add(FakeListWatch.Service("ns", "c"));
        await Eventually.True(() => informer.Cache.Count == 3, "c cached");
        Assert.Equal(2, late.Log.Count);
    }

    [Fact]
    public async Task Resync_redelivers_every_object_as_an_update_on_the_injected_clock()
    {
        var time = new FakeTimeProvider();
        var source = new FakeListWatch();
        source.Add(FakeListWatch.Service("ns", "a"));
        var informer = new Informer<V1Service>(source, time, options: Fast with { ResyncPeriod = TimeSpan.FromMinutes(10) });
        var handler = new RecordingHandler();
        informer.AddHandler(handler);
        await using var _ = new Running(informer);
        await Eventually.True(() => informer.HasSynced && time.ArmedTimers == 1, "synced, resync timer armed");
        time.Advance(TimeSpan.FromMinutes(10));
        await Eventually.True(() => handler.Log.Count == 2, "resync delivered");
        Assert.Equal("update ns/a@1->1", handler.Log[1]);
    }

    [Fact]
    public async Task A_throwing_handler_does_not_stop_the_others()
    {
        var source = new FakeListWatch();
        var informer = new Informer<V1Service>(source, TimeProvider.System, options: Fast);
        informer.AddHandler(new ResourceEventHandler<V1Service>(onAdd: (_, _) => throw new InvalidOperationException("bug")));
        var handler = new RecordingHandler();
        informer.AddHandler(handler);
        await using var _ = new Running(informer);
        await Eventually.True(() => source.OpenWatches == 1, "watch open");
        source.Add(FakeListWatch.Service("ns", "a"));
        source.Add(FakeListWatch.Service("ns", "b"));
        await Eventually.True(() => handler.Log.Count == 2, "both delivered");
    }

    [Fact]
    public void Factory_hands_out_one_informer_per_kind_and_scope()
    {
        using var api = new KubeApiClient(new HttpClient(), new Uri("http://127.0.0.1:1/"));
        var factory = new InformerFactory(api);
        var a = factory.For(KubeResources.Services);
        var b = factory.For(KubeResources.Services);
        var c = factory.For(KubeResources.Services, ns: "purelb-system");
        var d = factory.For(KubeResources.Leases, ns: "purelb-system");
        Assert.Same(a, b);
        Assert.NotSame(a, c);
        Assert.Equal(3, factory.Count);
        Assert.NotNull(d);
    }

    [Fact]
    public void Factory_refuses_a_second_caller_that_would_read_the_same_kind_another_way()
    {
        using var api = new KubeApiClient(new HttpClient(), new Uri("http://127.0.0.1:1/"));
        var factory = new InformerFactory(api);
        var trimmed = factory.For(KubeResources.TrimmedServices);
        Assert.Same(trimmed, factory.For(KubeResources.TrimmedServices));
        var e = Assert.Throws<InvalidOperationException>(() => factory.For(KubeResources.Services));
        Assert.Contains("another way", e.Message);
        Assert.Equal(1, factory.Count);
    }

    [Fact]
    public async Task Handlers_that_enqueue_keys_feed_a_work_queue_once_per_key()
    {
        var source = new FakeListWatch();
        var informer = new Informer<V1Service>(source, TimeProvider.System, options: Fast);
        using var queue = new WorkQueue<string>(TimeProvider.System);
        informer.AddHandler(new ResourceEventHandler<V1Service>(
            (o, _) => queue.Add(KubeObjects.KeyOf(o)),
            (_, n) => queue.Add(KubeObjects.KeyOf(n)),
            d => queue.Add(d.Key)));
        await using var _ = new Running(informer);
        await Eventually.True(() => source.OpenWatches == 1, "watch open");
        source.Add(FakeListWatch.Service("ns", "a"));
        source.Modify(FakeListWatch.Service("ns", "a", "1"));
        source.Modify(FakeListWatch.Service("ns", "a", "2"));
        source.Add(FakeListWatch.Service("ns", "b"));
        await Eventually.True(() => informer.LastSyncResourceVersion == "4", "all seen");
        Assert.Equal(2, queue.Count);
    }
}
