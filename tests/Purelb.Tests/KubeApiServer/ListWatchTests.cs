using System.Net;
using System.Text.Json.Nodes;
using Xunit;
using static Purelb.Tests.KubeApiServer.TestServer;

namespace Purelb.Tests.KubeApiServer;

public class ListWatchTests
{
    static string[] Names(Reply r) => r.Obj["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!).ToArray();

    [Fact]
    public async Task List_carries_the_current_resource_version_and_sorted_items()
    {
        await using var s = await StartAsync();
        await s.PostAsync(Services, Service("b"));
        var last = await s.PostAsync(Services, Service("a"));
        var list = await s.GetAsync(Services);
        Assert.Equal("ServiceList", list.Str("kind"));
        Assert.Equal(last.ResourceVersion, list.ResourceVersion);
        Assert.Equal(["a", "b"], Names(list));
    }

    [Fact]
    public async Task Label_selectors_support_equality_sets_and_existence()
    {
        await using var s = await StartAsync();
        await s.PostAsync(Services, Service("web", labels: new JsonObject { ["app"] = "web", ["tier"] = "front" }));
        await s.PostAsync(Services, Service("db", labels: new JsonObject { ["app"] = "db" }));
        await s.PostAsync(Services, Service("plain"));
        async Task<string[]> Sel(string q) => Names(await s.GetAsync(Services + "?labelSelector=" + Uri.EscapeDataString(q)));
        Assert.Equal(["web"], await Sel("app=web"));
        Assert.Equal(["web"], await Sel("app==web,tier"));
        Assert.Equal(["db", "plain"], await Sel("app!=web"));
        Assert.Equal(["db", "web"], await Sel("app in (web,db)"));
        Assert.Equal(["plain", "web"], await Sel("app notin (db)"));
        Assert.Equal(["db", "web"], await Sel("app"));
        Assert.Equal(["plain"], await Sel("!app"));
        Assert.Equal(HttpStatusCode.BadRequest, (await s.GetAsync(Services + "?labelSelector=" + Uri.EscapeDataString("app in web"))).Code);
    }

    [Fact]
    public async Task Field_selectors_on_name_namespace_and_spec_fields()
    {
        await using var s = await StartAsync();
        await s.PostAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "other" } });
        await s.PostAsync(Services, Service("lb", "LoadBalancer"));
        await s.PostAsync(Services, Service("ci"));
        await s.PostAsync("/api/v1/namespaces/other/services", Service("lb", "LoadBalancer"));
        Assert.Equal(["ci"], Names(await s.GetAsync(Services + "?fieldSelector=metadata.name%3Dci")));
        Assert.Equal(["lb"], Names(await s.GetAsync(Services + "?fieldSelector=spec.type%3DLoadBalancer")));
        Assert.Equal(["ci"], Names(await s.GetAsync(Services + "?fieldSelector=spec.type!%3DLoadBalancer")));
        var all = await s.GetAsync("/api/v1/services?fieldSelector=metadata.namespace%3Dother");
        Assert.Equal(["lb"], Names(all));
        Assert.Equal(3, (await s.GetAsync("/api/v1/services")).Obj["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task Limit_and_continue_page_through_a_consistent_snapshot()
    {
        await using var s = await StartAsync();
        foreach (var n in new[] { "a", "b", "c", "d", "e" }) await s.PostAsync(Services, Service(n));
        var page1 = await s.GetAsync(Services + "?limit=2");
        Assert.Equal(["a", "b"], Names(page1));
        Assert.Equal("3", page1.Str("metadata", "remainingItemCount"));
        var token = page1.Str("metadata", "continue")!;
        await s.DeleteAsync(Services + "/c");
        await s.PostAsync(Services, Service("bb"));
        var page2 = await s.GetAsync(Services + "?limit=2&continue=" + Uri.EscapeDataString(token));
        Assert.Equal(["c", "d"], Names(page2));
        Assert.Equal(page1.ResourceVersion, page2.ResourceVersion);
        var page3 = await s.GetAsync(Services + "?limit=2&continue=" + Uri.EscapeDataString(page2.Str("metadata", "continue")!));
        Assert.Equal(["e"], Names(page3));
        Assert.Null(page3.Str("metadata", "continue"));

        s.Api.CompactHistory();
        var gone = await s.GetAsync(Services + "?limit=2&continue=" + Uri.EscapeDataString(token));
        Assert.Equal(HttpStatusCode.Gone, gone.Code);
        Assert.Equal("Expired", gone.Str("reason"));
    }

    [Fact]
    public async Task Exact_resource_version_reads_history_and_compacted_versions_are_gone()
    {
        await using var s = await StartAsync();
        var a = await s.PostAsync(Services, Service("a"));
        await s.PostAsync(Services, Service("b"));
        await s.DeleteAsync(Services + "/a");
        var then = await s.GetAsync($"{Services}?resourceVersion={a.ResourceVersion}&resourceVersionMatch=Exact");
        Assert.Equal(["a"], Names(then));
        Assert.Equal(a.ResourceVersion, then.ResourceVersion);
        Assert.Equal(["b"], Names(await s.GetAsync($"{Services}?resourceVersion={a.ResourceVersion}")));
        s.Api.CompactHistory();
        var gone = await s.GetAsync($"{Services}?resourceVersion={a.ResourceVersion}&resourceVersionMatch=Exact");
        Assert.Equal(HttpStatusCode.Gone, gone.Code);
        Assert.Equal("Expired", gone.Str("reason"));
        Assert.Equal("410", gone.Str("code"));
        var future = await s.GetAsync($"{Services}?resourceVersion={s.Api.ResourceVersion + 100}");
        Assert.Equal(HttpStatusCode.GatewayTimeout, future.Code);
    }

    [Fact]
    public async Task Watch_from_a_resource_version_sees_added_modified_deleted_in_order()
    {
        await using var s = await StartAsync();
        var list = await s.GetAsync(Services);
        using var w = await s.WatchAsync($"{Services}?watch=1&resourceVersion={list.ResourceVersion}");
        Assert.Equal(HttpStatusCode.OK, w.Response.StatusCode);
        var created = await s.PostAsync(Services, Service("w"));
        var changed = await s.PatchAsync(Services + "/w", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["x"] = "1" } } });
        await s.DeleteAsync(Services + "/w");
        var e1 = await w.NextChangeAsync();
        var e2 = await w.NextChangeAsync();
        var e3 = await w.NextChangeAsync();
        Assert.Equal(("ADDED", created.ResourceVersion.ToString()), ((string)e1["type"]!, (string)e1["object"]!["metadata"]!["resourceVersion"]!));
        Assert.Equal(("MODIFIED", changed.ResourceVersion.ToString()), ((string)e2["type"]!, (string)e2["object"]!["metadata"]!["resourceVersion"]!));
        Assert.Equal("DELETED", (string)e3["type"]!);
        Assert.True(long.Parse((string)e3["object"]!["metadata"]!["resourceVersion"]!) > changed.ResourceVersion);
        Assert.Equal("Service", (string)e1["object"]!["kind"]!);
    }

    [Fact]
    public async Task Watch_without_a_version_starts_with_the_current_objects()
    {
        await using var s = await StartAsync();
        await s.PostAsync(Services, Service("one"));
        using var w = await s.WatchAsync($"{Services}?watch=true");
        var first = await w.NextChangeAsync();
        Assert.Equal("ADDED", (string)first["type"]!);
        Assert.Equal("one", (string)first["object"]!["metadata"]!["name"]!);
    }

    [Fact]
    public async Task Watch_resumes_from_the_last_seen_version_after_a_drop()
    {
        await using var s = await StartAsync();
        var rv = (await s.GetAsync(Services)).ResourceVersion;
        string lastSeen;
        using (var w = await s.WatchAsync($"{Services}?watch=1&resourceVersion={rv}"))
        {
            await s.PostAsync(Services, Service("r1"));
            var e = await w.NextChangeAsync();
            lastSeen = (string)e["object"]!["metadata"]!["resourceVersion"]!;
            s.Api.DropAllWatches();
            await Assert.ThrowsAnyAsync<Exception>(async () =>
            {
                var next = await w.NextAsync(TimeSpan.FromSeconds(3));
                if (next == null) throw new EndOfStreamException();
            });
        }
        Assert.Equal(0, s.Api.OpenWatches);
        await s.PostAsync(Services, Service("r2"));
        using var resumed = await s.WatchAsync($"{Services}?watch=1&resourceVersion={lastSeen}");
        var missed = await resumed.NextChangeAsync();
        Assert.Equal("r2", (string)missed["object"]!["metadata"]!["name"]!);
    }

    [Fact]
    public async Task Watch_with_a_selector_sees_objects_leave_and_enter_it()
    {
        await using var s = await StartAsync();
        var rv = (await s.GetAsync(Services)).ResourceVersion;
        using var w = await s.WatchAsync($"{Services}?watch=1&resourceVersion={rv}&labelSelector=app%3Dweb");
        await s.PostAsync(Services, Service("other"));
        await s.PostAsync(Services, Service("sel", labels: new JsonObject { ["app"] = "web" }));
        await s.PatchAsync(Services + "/sel", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "db" } } });
        await s.PatchAsync(Services + "/other", new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = "web" } } });
        var seen = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var e = await w.NextChangeAsync();
            seen.Add($"{e["type"]} {e["object"]!["metadata"]!["name"]}");
        }
        Assert.Equal(["ADDED sel", "DELETED sel", "ADDED other"], seen);
    }

    [Fact]
    public async Task Watch_on_a_compacted_version_answers_an_ERROR_event_with_410_Expired()
    {
        await using var s = await StartAsync();
        var old = (await s.PostAsync(Services, Service("x"))).ResourceVersion;
        await s.PostAsync(Services, Service("y"));
        await s.SendAsync(HttpMethod.Post, "/_fault/compact");
        using var w = await s.WatchAsync($"{Services}?watch=1&resourceVersion={old - 1}");
        var e = await w.NextAsync();
        Assert.NotNull(e);
        Assert.Equal("ERROR", (string)e!["type"]!);
        Assert.Equal("Status", (string)e["object"]!["kind"]!);
        Assert.Equal(410, (int)e["object"]!["code"]!);
        Assert.Equal("Expired", (string)e["object"]!["reason"]!);
        Assert.StartsWith("too old resource version", (string)e["object"]!["message"]!);
        Assert.Null(await w.NextAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Bookmarks_carry_the_current_version_when_asked_for()
    {
        await using var s = await StartAsync(o => o.BookmarkInterval = TimeSpan.FromMilliseconds(200));
        var rv = (await s.GetAsync(Services)).ResourceVersion;
        using var w = await s.WatchAsync($"{Services}?watch=1&resourceVersion={rv}&allowWatchBookmarks=true");
        await s.PostAsync("/api/v1/nodes", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "n" } });
        JsonObject? bookmark = null;
        for (int i = 0; i < 10 && bookmark == null; i++)
        {
            var e = await w.NextAsync(TimeSpan.FromSeconds(2));
            if (e != null && (string)e["type"]! == "BOOKMARK" && long.Parse((string)e["object"]!["metadata"]!["resourceVersion"]!) > rv) bookmark = e;
        }
        Assert.NotNull(bookmark);
        Assert.Equal("Service", (string)bookmark!["object"]!["kind"]!);
        Assert.Equal(s.Api.ResourceVersion.ToString(), (string)bookmark["object"]!["metadata"]!["resourceVersion"]!);

        using var plain = await s.WatchAsync($"{Services}?watch=1&resourceVersion={rv}");
        Assert.Null(await plain.NextAsync(TimeSpan.FromMilliseconds(700)));
    }

    [Fact]
    public async Task Watch_times_out_cleanly_after_timeoutSeconds()
    {
        await using var s = await StartAsync();
        using var w = await s.WatchAsync($"{Services}?watch=1&resourceVersion={s.Api.ResourceVersion}&timeoutSeconds=1");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.Null(await w.NextAsync(TimeSpan.FromSeconds(4)));
        Assert.InRange(sw.Elapsed.TotalSeconds, 0.5, 3.5);
    }
}
