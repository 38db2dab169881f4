using System.Diagnostics;
using System.Net;
using Xunit;
using static Purelb.Tests.KubeApiServer.TestServer;

namespace Purelb.Tests.KubeApiServer;

public class FaultTests
{
    [Fact]
    public async Task Next_writes_fail_with_500_then_recover()
    {
        await using var s = await StartAsync();
        s.Api.Faults.FailNextWrites(2, 500);
        var r1 = await s.PostAsync(Services, Service("a"));
        Assert.Equal(HttpStatusCode.InternalServerError, r1.Code);
        Assert.Equal("InternalError", r1.Str("reason"));
        Assert.Equal(HttpStatusCode.InternalServerError, (await s.PostAsync(Services, Service("a"))).Code);
        Assert.Equal(HttpStatusCode.OK, (await s.GetAsync(Services)).Code);
        Assert.Equal(HttpStatusCode.Created, (await s.PostAsync(Services, Service("a"))).Code);
    }

    [Fact]
    public async Task Injected_conflicts_over_HTTP_target_one_resource()
    {
        await using var s = await StartAsync();
        var created = await s.PostAsync(Services, Service("c"));
        var state = await s.SendAsync(HttpMethod.Post, "/_fault/fail-writes?count=1&code=409&resource=services");
        Assert.Equal("1", state.Str("pendingWriteFailures"));
        Assert.Equal(HttpStatusCode.Created, (await s.PostAsync("/api/v1/nodes", new System.Text.Json.Nodes.JsonObject { ["metadata"] = new System.Text.Json.Nodes.JsonObject { ["name"] = "n" } })).Code);
        var conflict = await s.PutAsync(Services + "/c", created.Obj);
        Assert.Equal(HttpStatusCode.Conflict, conflict.Code);
        Assert.Equal("Conflict", conflict.Str("reason"));
        Assert.Equal(HttpStatusCode.OK, (await s.PutAsync(Services + "/c", created.Obj)).Code);
    }

    [Fact]
    public async Task Latency_delays_every_request_until_cleared()
    {
        await using var s = await StartAsync();
        await s.SendAsync(HttpMethod.Post, "/_fault/latency?ms=300");
        var sw = Stopwatch.StartNew();
        await s.GetAsync(Services);
        Assert.True(sw.ElapsedMilliseconds >= 290, $"took {sw.ElapsedMilliseconds} ms");
        await s.SendAsync(HttpMethod.Post, "/_fault/clear");
        Assert.Equal(TimeSpan.Zero, s.Api.Faults.Latency);
    }

    [Fact]
    public async Task Dropping_watches_over_HTTP_closes_open_streams()
    {
        await using var s = await StartAsync();
        using var w = await s.WatchAsync($"{Services}?watch=1&resourceVersion={s.Api.ResourceVersion}");
        for (int i = 0; i < 50 && s.Api.OpenWatches == 0; i++) await Task.Delay(20);
        Assert.Equal(1, s.Api.OpenWatches);
        var state = await s.SendAsync(HttpMethod.Post, "/_fault/drop-watches");
        Assert.Equal("0", state.Str("openWatches"));
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            if (await w.NextAsync(TimeSpan.FromSeconds(3)) == null) throw new EndOfStreamException();
        });
    }
}
