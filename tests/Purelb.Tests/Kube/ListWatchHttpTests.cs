using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http;
using System.Text;
using k8s.Models;
using Purelb.Kube;
using Xunit;

namespace Purelb.Tests.Kube;

/// <summary>The REST list-watch against canned HTTP answers: paging, query parameters, the NDJSON watch stream
/// (including lines split across reads) and ERROR events.</summary>
public class ListWatchHttpTests
{
    private static string Svc(string name, string rv) =>
        $$$"""{"metadata":{"name":"{{{name}}}","namespace":"ns","resourceVersion":"{{{rv}}}"},"spec":{"type":"LoadBalancer"}}""";

    [Fact]
    public async Task List_follows_continue_tokens_and_reports_the_last_pages_version()
    {
        var stub = new StubHttp(r => r.PathAndQuery.Contains("continue=")
            ? StubHttp.Json($$$"""{"metadata":{"resourceVersion":"9"},"items":[{{{Svc("b", "8")}}}]}""")
            : StubHttp.Json($$$"""{"metadata":{"resourceVersion":"9","continue":"tok+1"},"items":[{{{Svc("a", "7")}}}]}"""));
        using var api = stub.Client();
        var lw = new ListWatch<V1Service, V1ServiceList>(api, KubeResources.Services, "ns", labelSelector: "app=x");
        var list = await lw.ListAsync(CancellationToken.None);
        Assert.Equal(["a", "b"], list.Items.Select(s => s.Metadata.Name));
        Assert.Equal("9", list.ResourceVersion);
        Assert.Equal(2, stub.Requests.Count);
        Assert.Equal("/api/v1/namespaces/ns/services?labelSelector=app%3Dx&limit=500", stub.Requests[0].PathAndQuery);
        Assert.Contains("continue=tok%2B1", stub.Requests[1].PathAndQuery);
    }

    [Fact]
    public async Task Watch_asks_for_bookmarks_from_the_version_and_parses_lines_split_across_reads()
    {
        var pipe = new Pipe();
        var stub = new StubHttp(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(pipe.Reader.AsStream()) });
        using var api = stub.Client();
        var lw = new ListWatch<V1Service, V1ServiceList>(api, KubeResources.Services);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var events = new List<WatchEvent<V1Service>>();
        var reading = Task.Run(async () =>
        {
            await foreach (var e in lw.WatchAsync("5", cts.Token)) events.Add(e);
        });

        var stream = $$$$"""
            {"type":"ADDED","object":{{{{Svc("a", "6")}}}}}
            {"object":{{{{Svc("a", "7")}}}},"type":"MODIFIED"}
            {"type":"BOOKMARK","object":{"kind":"Service","apiVersion":"v1","metadata":{"resourceVersion":"12"}}}
            {"type":"DELETED","object":{{{{Svc("a", "13")}}}}}

            """.Replace("\r\n", "\n");
        var bytes = Encoding.UTF8.GetBytes(stream);
        // Dribble the bytes in uneven chunks so that lines straddle reads.
        for (var i = 0; i < bytes.Length; i += 17)
        {
            await pipe.Writer.WriteAsync(bytes.AsMemory(i, Math.Min(17, bytes.Length - i)));
            await pipe.Writer.FlushAsync();
        }
        await pipe.Writer.CompleteAsync();
        await reading.WaitAsync(TimeSpan.FromSeconds(10));

        var q = stub.Requests.Single().PathAndQuery;
        Assert.StartsWith("/api/v1/services?watch=true&allowWatchBookmarks=true&resourceVersion=5&timeoutSeconds=", q);
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Bookmark, WatchEventType.Deleted], events.Select(e => e.Type));
        Assert.Equal(["6", "7", "12", "13"], events.Select(e => e.ResourceVersion));
        Assert.Null(events[2].Object);
        Assert.Equal("a", events[3].Object!.Metadata.Name);
    }

    [Fact]
    public async Task A_watch_line_longer_than_the_read_buffer_arrives_whole_between_ordinary_ones()
    {
        // 100 KB of annotation: several times the line reader's starting buffer, so it must grow mid-line.
        var big = new string('x', 100_000);
        var bigService = $$$"""{"metadata":{"name":"big","namespace":"ns","resourceVersion":"7","annotations":{"purelb.io/service-group":"{{{big}}}"}},"spec":{"type":"LoadBalancer"}}""";
        var body = $$$"""
            {"type":"ADDED","object":{{{Svc("a", "6")}}}}
            {"type":"ADDED","object":{{{bigService}}}}
            {"type":"ADDED","object":{{{Svc("b", "8")}}}}

            """.Replace("\r\n", "\n");
        var stub = new StubHttp(_ => StubHttp.Json(body));
        using var api = stub.Client();
        var lw = new ListWatch<V1Service, V1ServiceList>(api, KubeResources.Services);
        var events = new List<WatchEvent<V1Service>>();
        await foreach (var e in lw.WatchAsync("5", CancellationToken.None)) events.Add(e);
        Assert.Equal(["a", "big", "b"], events.Select(e => e.Object!.Metadata.Name));
        Assert.Equal(big, events[1].Object!.Metadata.Annotations["purelb.io/service-group"]);
        Assert.Equal(["6", "7", "8"], events.Select(e => e.ResourceVersion));
    }

    [Fact]
    public async Task An_ERROR_event_ends_the_watch_with_a_sorted_exception()
    {
        var body = $$$"""
            {"type":"ADDED","object":{{{Svc("a", "6")}}}}
            {"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 5 (9)","reason":"Expired","code":410}}

            """;
        var stub = new StubHttp(_ => StubHttp.Json(body));
        using var api = stub.Client();
        var lw = new ListWatch<V1Service, V1ServiceList>(api, KubeResources.Services);
        var seen = 0;
        var error = await Assert.ThrowsAsync<KubeApiException>(async () =>
        {
            await foreach (var _ in lw.WatchAsync("5", CancellationToken.None)) seen++;
        });
        Assert.Equal(1, seen);
        Assert.Equal(ApiErrorKind.Expired, error.Kind);
        Assert.True(ApiError.IsExpired(error));
    }

    [Fact]
    public async Task A_410_answer_to_the_watch_request_itself_is_Expired()
    {
        var stub = new StubHttp(_ => StubHttp.Status(HttpStatusCode.Gone, "Expired", "too old"));
        using var api = stub.Client();
        var lw = new ListWatch<V1Service, V1ServiceList>(api, KubeResources.Services);
        var error = await Assert.ThrowsAsync<KubeApiException>(async () =>
        {
            await foreach (var _ in lw.WatchAsync("1", CancellationToken.None)) { }
        });
        Assert.Equal(ApiErrorKind.Expired, error.Kind);
    }

    [Fact]
    public async Task Error_answers_carry_status_reason_message_and_retry_after()
    {
        var stub = new StubHttp(r => r.Method == "PUT"
            ? StubHttp.Status(HttpStatusCode.Conflict, "Conflict", "the object has been modified")
            : WithRetryAfter(StubHttp.Status(HttpStatusCode.TooManyRequests, "TooManyRequests", "slow down")));
        using var api = stub.Client();
        var conflict = await Assert.ThrowsAsync<KubeApiException>(() =>
            api.ReplaceAsync(KubeResources.Services, FakeListWatch.Service("ns", "a"), CancellationToken.None));
        Assert.Equal(ApiErrorKind.Conflict, conflict.Kind);
        Assert.Equal("Conflict", conflict.Reason);
        Assert.Equal("the object has been modified", conflict.ServerMessage);
        Assert.Equal("PUT", conflict.Verb);

        var busy = await Assert.ThrowsAsync<KubeApiException>(() =>
            api.GetAsync(KubeResources.Services, "ns", "a", CancellationToken.None));
        Assert.Equal(ApiErrorKind.Transient, busy.Kind);
        Assert.Equal(TimeSpan.FromSeconds(3), busy.RetryAfter);

        static HttpResponseMessage WithRetryAfter(HttpResponseMessage m)
        {
            m.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(3));
            return m;
        }
    }

    [Fact]
    public async Task A_request_that_outlives_its_deadline_is_a_transient_timeout()
    {
        // A server that never answers: only the request's own deadline can end the call. (A handler that blocked a
        // thread for longer than the deadline raced the deadline's timer on a loaded machine.)
        using var api = new KubeApiClient(new HttpClient(new NeverAnswers()), new Uri("http://127.0.0.1:1/"));
        api.RequestTimeout = TimeSpan.FromMilliseconds(50);
        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            api.GetAsync(KubeResources.Services, "ns", "a", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("no answer within 0.05 s", error.Message);
        Assert.Equal(ApiErrorKind.Transient, ApiError.Classify(error));
    }

    private sealed class NeverAnswers : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new UnreachableException();
        }
    }

    [Fact]
    public async Task Connection_refused_is_transient()
    {
        using var api = new KubeApiClient(new HttpClient(), new Uri("http://127.0.0.1:1/"));
        var error = await Assert.ThrowsAnyAsync<Exception>(() => api.GetAsync(KubeResources.Services, "ns", "a", CancellationToken.None));
        Assert.IsType<HttpRequestException>(error);
        Assert.Equal(ApiErrorKind.Transient, ApiError.Classify(error));
        Assert.True(ApiError.ShouldBackOff(error));
    }

    [Theory]
    [InlineData(410, "Expired", ApiErrorKind.Expired)]
    [InlineData(410, "Gone", ApiErrorKind.Expired)]
    [InlineData(500, "Expired", ApiErrorKind.Expired)]
    [InlineData(409, "Conflict", ApiErrorKind.Conflict)]
    [InlineData(409, "AlreadyExists", ApiErrorKind.AlreadyExists)]
    [InlineData(404, "NotFound", ApiErrorKind.NotFound)]
    [InlineData(429, "TooManyRequests", ApiErrorKind.Transient)]
    [InlineData(500, "InternalError", ApiErrorKind.Transient)]
    [InlineData(503, "ServiceUnavailable", ApiErrorKind.Transient)]
    [InlineData(504, "Timeout", ApiErrorKind.Transient)]
    [InlineData(403, "Forbidden", ApiErrorKind.Forbidden)]
    [InlineData(401, "Unauthorized", ApiErrorKind.Forbidden)]
    [InlineData(422, "Invalid", ApiErrorKind.Invalid)]
    [InlineData(400, "BadRequest", ApiErrorKind.Invalid)]
    public void Api_errors_sort_into_one_kind_each(int code, string reason, ApiErrorKind kind)
    {
        Assert.Equal(kind, ApiError.Classify(new KubeApiException((HttpStatusCode)code, reason, "m")));
    }

    [Fact]
    public void Transport_and_unknown_failures_sort_sensibly()
    {
        Assert.Equal(ApiErrorKind.Transient, ApiError.Classify(new IOException("reset")));
        Assert.Equal(ApiErrorKind.Transient, ApiError.Classify(new HttpRequestException("refused")));
        Assert.Equal(ApiErrorKind.Unknown, ApiError.Classify(new System.Text.Json.JsonException("bad")));
        Assert.False(ApiError.IsConflict(new IOException()));
    }
}
