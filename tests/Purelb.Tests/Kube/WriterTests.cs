using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;
using Purelb.Kube;
using Xunit;

namespace Purelb.Tests.Kube;

/// <summary>Status, annotation, event and lease writes against canned HTTP answers: the exact requests sent, and
/// the conflict and not-found paths.</summary>
public class WriterTests
{
    private static SourceGenerationContext Json => SourceGenerationContext.Default;

    private static V1Service Stored(string rv, string? ip = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "ns", ResourceVersion = rv },
        Spec = new V1ServiceSpec { Type = "LoadBalancer" },
        Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = ip is null ? null : [new V1LoadBalancerIngress { Ip = ip, IpMode = "VIP" }] } },
    };

    private static V1ServiceStatus Desired(string ip) =>
        new() { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = ip, IpMode = "VIP" }] } };

    [Fact]
    public async Task Status_goes_to_the_status_subresource_and_a_conflict_rereads_and_retries()
    {
        var puts = 0;
        var stub = new StubHttp(r => (r.Method, r.Path) switch
        {
            ("PUT", "/api/v1/namespaces/ns/services/web/status") when ++puts == 1 => StubHttp.Status(HttpStatusCode.Conflict, "Conflict", "modified"),
            ("PUT", "/api/v1/namespaces/ns/services/web/status") => StubHttp.Json(r.Body.Replace("\"resourceVersion\":\"7\"", "\"resourceVersion\":\"8\"")),
            ("GET", "/api/v1/namespaces/ns/services/web") => StubHttp.Json(JsonSerializer.Serialize(Stored("7"), Json.V1Service)),
            _ => StubHttp.Status(HttpStatusCode.NotFound, "NotFound", r.ToString()),
        });
        using var api = stub.Client();
        var cached = Stored("3");
        var cachedJson = JsonSerializer.Serialize(cached, Json.V1Service);

        var written = await new ServiceStatusWriter(api).WriteStatusAsync(cached, Desired("192.0.2.10"), CancellationToken.None);

        Assert.Equal(["PUT /api/v1/namespaces/ns/services/web/status", "GET /api/v1/namespaces/ns/services/web", "PUT /api/v1/namespaces/ns/services/web/status"],
            stub.Requests.Select(r => r.ToString()));
        var first = JsonSerializer.Deserialize(stub.Requests[0].Body, Json.V1Service)!;
        var second = JsonSerializer.Deserialize(stub.Requests[2].Body, Json.V1Service)!;
        Assert.Equal("3", first.Metadata.ResourceVersion);
        Assert.Equal("7", second.Metadata.ResourceVersion); // from the re-read, not the stale cache
        Assert.Equal("192.0.2.10", second.Status.LoadBalancer.Ingress.Single().Ip);
        Assert.Equal("VIP", second.Status.LoadBalancer.Ingress.Single().IpMode);
        Assert.Equal("8", written.Metadata.ResourceVersion);
        Assert.Equal(cachedJson, JsonSerializer.Serialize(cached, Json.V1Service)); // the cached object is untouched
    }

    [Fact]
    public async Task Status_already_as_desired_is_not_written()
    {
        var stub = new StubHttp(r => StubHttp.Status(HttpStatusCode.InternalServerError, "InternalError", "should not be called"));
        using var api = stub.Client();
        var cached = Stored("3", "192.0.2.10");
        var result = await new ServiceStatusWriter(api).WriteStatusAsync(cached, Desired("192.0.2.10"), CancellationToken.None);
        Assert.Same(cached, result);
        Assert.Empty(stub.Requests);
    }

    [Fact]
    public async Task A_status_conflict_that_the_reread_resolves_stops_without_writing()
    {
        var stub = new StubHttp(r => r.Method == "PUT"
            ? StubHttp.Status(HttpStatusCode.Conflict, "Conflict", "modified")
            : StubHttp.Json(JsonSerializer.Serialize(Stored("9", "192.0.2.10"), Json.V1Service)));
        using var api = stub.Client();
        var result = await new ServiceStatusWriter(api).WriteStatusAsync(Stored("3"), Desired("192.0.2.10"), CancellationToken.None);
        Assert.Equal("9", result.Metadata.ResourceVersion);
        Assert.Equal(2, stub.Requests.Count);
    }

    [Fact]
    public async Task Persistent_conflicts_give_up_after_MaxAttempts_with_the_conflict()
    {
        var stub = new StubHttp(r => r.Method == "PUT"
            ? StubHttp.Status(HttpStatusCode.Conflict, "Conflict", "modified")
            : StubHttp.Json(JsonSerializer.Serialize(Stored("9"), Json.V1Service)));
        using var api = stub.Client();
        var writer = new ServiceStatusWriter(api) { MaxAttempts = 3 };
        var error = await Assert.ThrowsAsync<KubeApiException>(() => writer.WriteStatusAsync(Stored("3"), Desired("192.0.2.10"), CancellationToken.None));
        Assert.True(ApiError.IsConflict(error));
        Assert.Equal(3, stub.Requests.Count(r => r.Method == "PUT"));
    }

    [Fact]
    public async Task Annotations_are_merge_patched_with_null_removing_a_key()
    {
        var stub = new StubHttp(r => StubHttp.Json(JsonSerializer.Serialize(Stored("4"), Json.V1Service)));
        using var api = stub.Client();
        await new ServiceStatusWriter(api).PatchAnnotationsAsync("ns", "web", new Dictionary<string, string?>
        {
            ["purelb.io/allocated-by"] = "PureLB",
            ["purelb.io/allocated-from"] = "default",
            ["purelb.io/stale"] = null,
        }, CancellationToken.None);
        var r = stub.Requests.Single();
        Assert.Equal("PATCH", r.Method);
        Assert.Equal("/api/v1/namespaces/ns/services/web", r.Path);
        Assert.Equal("application/merge-patch+json", r.ContentType);
        Assert.Equal("""{"metadata":{"annotations":{"purelb.io/allocated-by":"PureLB","purelb.io/allocated-from":"default","purelb.io/stale":null}}}""", r.Body);
    }

    [Fact]
    public async Task Full_update_reapplies_the_change_to_a_fresh_read_after_a_conflict()
    {
        var puts = 0;
        var stub = new StubHttp(r => r.Method switch
        {
            "PUT" when ++puts == 1 => StubHttp.Status(HttpStatusCode.Conflict, "Conflict", "modified"),
            "PUT" => StubHttp.Json(r.Body),
            _ => StubHttp.Json(JsonSerializer.Serialize(Stored("11"), Json.V1Service)),
        });
        using var api = stub.Client();
        var updated = await new ServiceStatusWriter(api).UpdateAsync(Stored("3"), s =>
        {
            s.Metadata.Annotations ??= new Dictionary<string, string>();
            s.Metadata.Annotations["purelb.io/allocated-by"] = "PureLB";
            return true;
        }, CancellationToken.None);
        Assert.Equal("11", updated.Metadata.ResourceVersion);
        Assert.Equal("PureLB", updated.Metadata.Annotations["purelb.io/allocated-by"]);
        Assert.Equal("/api/v1/namespaces/ns/services/web", stub.Requests[^1].Path);
    }

    [Fact]
    public async Task An_update_from_the_server_reads_the_stored_object_first_and_says_whether_it_changed_anything()
    {
        var puts = 0;
        var stub = new StubHttp(r =>
        {
            if (r.Method != "PUT") return StubHttp.Json(JsonSerializer.Serialize(Stored("7"), Json.V1Service));
            puts++;
            return StubHttp.Json(r.Body);
        });
        using var api = stub.Client();
        var writer = new ServiceStatusWriter(api);
        var (stored, changed) = await writer.UpdateFromServerAsync("ns", "web", s =>
        {
            s.Metadata.Annotations ??= new Dictionary<string, string>();
            s.Metadata.Annotations["purelb.io/x"] = "y";
            return true;
        }, CancellationToken.None);
        Assert.True(changed);
        Assert.Equal(["GET", "PUT"], stub.Requests.Select(r => r.Method));
        // The PUT carries the stored object (its resourceVersion), not a cached copy.
        Assert.Contains("\"resourceVersion\":\"7\"", stub.Requests[1].Body);
        Assert.Equal("y", stored.Metadata.Annotations["purelb.io/x"]);

        var (_, unchanged) = await writer.UpdateFromServerAsync("ns", "web", _ => false, CancellationToken.None);
        Assert.False(unchanged);
        Assert.Equal(1, puts);
    }

    [Fact]
    public async Task Events_are_created_with_source_and_repeats_bump_the_count()
    {
        var stub = new StubHttp(r => r.Method switch
        {
            "POST" => StubHttp.Json(r.Body.Replace("\"metadata\":{", "\"metadata\":{\"resourceVersion\":\"1\",")),
            "PATCH" => StubHttp.Json("""{"metadata":{"name":"x","namespace":"ns"},"count":2}"""),
            _ => StubHttp.Status(HttpStatusCode.NotFound, "NotFound", ""),
        });
        using var api = stub.Client();
        var time = new FakeTimeProvider();
        var recorder = new EventRecorder(api, "purelb-allocator", time, host: "node-1");
        var svc = Stored("3");
        svc.Metadata.Uid = "uid-1";
        var reference = EventRecorder.ReferenceTo(svc);

        await recorder.WriteAsync(reference, EventTypes.Warning, "AllocationFailed", "pool default is exhausted", CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(30));
        await recorder.WriteAsync(reference, EventTypes.Warning, "AllocationFailed", "pool default is exhausted", CancellationToken.None);
        await recorder.WriteAsync(reference, EventTypes.Normal, "AddressAssigned", "Assigned 192.0.2.10", CancellationToken.None);

        Assert.Equal(["POST", "PATCH", "POST"], stub.Requests.Select(r => r.Method));
        Assert.Equal("/api/v1/namespaces/ns/events", stub.Requests[0].Path);
        var ev = JsonSerializer.Deserialize(stub.Requests[0].Body, Json.Corev1Event)!;
        Assert.Equal("AllocationFailed", ev.Reason);
        Assert.Equal("pool default is exhausted", ev.Message);
        Assert.Equal("Warning", ev.Type);
        Assert.Equal("purelb-allocator", ev.Source.Component);
        Assert.Equal("node-1", ev.Source.Host);
        Assert.Equal("Service", ev.InvolvedObject.Kind);
        Assert.Equal("v1", ev.InvolvedObject.ApiVersion);
        Assert.Equal("web", ev.InvolvedObject.Name);
        Assert.Equal("uid-1", ev.InvolvedObject.Uid);
        Assert.Equal(1, ev.Count);
        Assert.StartsWith("web.", ev.Metadata.Name);
        Assert.Equal($"/api/v1/namespaces/ns/events/{ev.Metadata.Name}", stub.Requests[1].Path);
        Assert.Equal("""{"count":2,"lastTimestamp":"2026-01-01T00:00:30Z"}""", stub.Requests[1].Body);
        Assert.NotEqual(ev.Metadata.Name, JsonSerializer.Deserialize(stub.Requests[2].Body, Json.Corev1Event)!.Metadata.Name);
    }

    [Fact]
    public async Task A_repeat_whose_event_expired_creates_a_new_one()
    {
        var stub = new StubHttp(r => r.Method == "POST"
            ? StubHttp.Json(r.Body)
            : StubHttp.Status(HttpStatusCode.NotFound, "NotFound", "gone"));
        using var api = stub.Client();
        var recorder = new EventRecorder(api, "purelb-allocator", new FakeTimeProvider());
        var reference = EventRecorder.ReferenceTo(Stored("3"));
        await recorder.WriteAsync(reference, EventTypes.Normal, "AddressAssigned", "m", CancellationToken.None);
        await recorder.WriteAsync(reference, EventTypes.Normal, "AddressAssigned", "m", CancellationToken.None);
        Assert.Equal(["POST", "PATCH", "POST"], stub.Requests.Select(r => r.Method));
    }

    [Fact]
    public async Task Record_queues_and_RunAsync_writes_without_the_caller_waiting()
    {
        var stub = new StubHttp(r => StubHttp.Json(r.Body));
        using var api = stub.Client();
        var recorder = new EventRecorder(api, "purelb-allocator", new FakeTimeProvider());
        recorder.Record(EventRecorder.ReferenceTo(Stored("3")), EventTypes.Normal, "AddressAssigned", "a");
        recorder.Record(EventRecorder.ReferenceTo(Stored("3")), EventTypes.Normal, "AddressReleased", "b");
        Assert.Empty(stub.Requests);
        using var cts = new CancellationTokenSource();
        var run = recorder.RunAsync(cts.Token);
        await Eventually.True(() => stub.Requests.Count == 2, "both events written");
        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_overflowing_queue_drops_events_and_logs_the_burst_twice_not_per_event()
    {
        var stub = new StubHttp(r => StubHttp.Json(r.Body));
        using var api = stub.Client();
        var log = new ListLogger();
        var recorder = new EventRecorder(api, "purelb-allocator", new FakeTimeProvider(), log, maxPending: 2);
        for (var i = 0; i < 5; i++)
            recorder.Record(EventRecorder.ReferenceTo(Stored("3")), EventTypes.Normal, "AddressAssigned", $"event {i}");
        Assert.Equal(3, recorder.Dropped);
        Assert.Contains("first dropped: Normal AddressAssigned for web: event 2", Assert.Single(log.Lines));

        using var cts = new CancellationTokenSource();
        var run = recorder.RunAsync(cts.Token);
        await Eventually.True(() => stub.Requests.Count == 2 && log.Lines.Count == 2, "queued events written, drops reported");
        Assert.Equal("event queue drained; 3 events were dropped while it was full", log.Lines[1]);

        // A later overflow is reported afresh, with its own count.
        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
        for (var i = 0; i < 3; i++)
            recorder.Record(EventRecorder.ReferenceTo(Stored("3")), EventTypes.Normal, "AddressReleased", $"again {i}");
        Assert.Equal(4, recorder.Dropped);
        Assert.Equal(3, log.Lines.Count);
        Assert.Contains("first dropped: Normal AddressReleased for web: again 2", log.Lines[2]);
    }

    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines { get { lock (_lines) return [.. _lines]; } }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state,
            Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines) _lines.Add(formatter(state, exception));
        }
    }

    [Fact]
    public async Task Lease_store_maps_fields_both_ways_and_guards_delete_with_the_version()
    {
        var stub = new StubHttp(r => (r.Method, r.Path) switch
        {
            ("POST", _) => StubHttp.Json(r.Body.Replace("\"metadata\":{", "\"metadata\":{\"resourceVersion\":\"5\",")),
            ("GET", "/apis/coordination.k8s.io/v1/namespaces/purelb-system/leases/missing") => StubHttp.Status(HttpStatusCode.NotFound, "NotFound", "no"),
            ("DELETE", "/apis/coordination.k8s.io/v1/namespaces/purelb-system/leases/gone") => StubHttp.Status(HttpStatusCode.NotFound, "NotFound", "no"),
            ("DELETE", _) => StubHttp.Json("""{"kind":"Status","status":"Success"}"""),
            _ => StubHttp.Status(HttpStatusCode.BadRequest, "BadRequest", r.ToString()),
        });
        using var api = stub.Client();
        var store = new KubeLeaseStore(api, "purelb-system");
        var renew = new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero).AddTicks(1234560); // microseconds survive
        var created = await store.CreateAsync(new Purelb.Election.LeaseRecord("purelb-node-n1", "n1", renew, 10,
            new Dictionary<string, string> { ["purelb.io/subnets"] = "192.0.2.0/24", ["purelb.io/instance"] = "pod-uid" },
            new Dictionary<string, string> { ["app.kubernetes.io/name"] = "purelb" },
            new Purelb.Election.LeaseOwnerNode("n1", "node-uid"), null), CancellationToken.None);

        Assert.Equal("/apis/coordination.k8s.io/v1/namespaces/purelb-system/leases", stub.Requests[0].Path);
        var sent = JsonSerializer.Deserialize(stub.Requests[0].Body, Json.V1Lease)!;
        Assert.Equal("Lease", sent.Kind);
        Assert.Equal("coordination.k8s.io/v1", sent.ApiVersion);
        var owner = sent.Metadata.OwnerReferences.Single();
        Assert.Equal(("v1", "Node", "n1", "node-uid", false, false), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, owner.Controller, owner.BlockOwnerDeletion));
        Assert.Equal("5", created.ResourceVersion);
        Assert.Equal(renew, created.RenewTime);
        Assert.Equal("192.0.2.0/24", created.Annotations["purelb.io/subnets"]);
        Assert.Equal(new Purelb.Election.LeaseOwnerNode("n1", "node-uid"), created.OwnerNode);

        Assert.Null(await store.GetAsync("missing", CancellationToken.None));
        await store.DeleteAsync("purelb-node-n1", "5", CancellationToken.None);
        Assert.Contains("\"preconditions\":{\"resourceVersion\":\"5\"}", stub.Requests[^1].Body);
        var gone = await Assert.ThrowsAsync<Purelb.Election.LeaseStoreException>(() => store.DeleteAsync("gone", null, CancellationToken.None));
        Assert.Equal(Purelb.Election.LeaseStoreError.NotFound, gone.Error);
    }
}
