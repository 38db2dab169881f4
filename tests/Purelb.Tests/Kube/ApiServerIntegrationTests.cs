using System.Text.Json;
using k8s.Models;
using KubeApiServer;
using Purelb.Kube;
using Xunit;
using KubeApiError = Purelb.Kube.ApiError;

namespace Purelb.Tests.Kube;

/// <summary>
/// The Kube plumbing against the in-memory API server over real HTTP: informers follow creates, updates and
/// deletes, survive dropped watches and compaction, and writers cope with injected 409s and 500s.
/// </summary>
public sealed class ApiServerIntegrationTests : IAsyncLifetime
{
    private static readonly InformerOptions Fast = new()
    {
        Reflector = new ReflectorOptions { InitialBackoff = TimeSpan.FromMilliseconds(10), MaxBackoff = TimeSpan.FromMilliseconds(100) },
    };

    private KubeApiServerHost _host = null!;
    private KubeApiClient _api = null!;
    private readonly CancellationTokenSource _stop = new();

    public async Task InitializeAsync()
    {
        var crds = Path.Combine(AppContext.BaseDirectory, "KubeApiServer", "TestCrds");
        if (!Directory.Exists(crds))
            crds = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../KubeApiServer/TestCrds"));
        _host = await KubeApiServerHost.StartAsync(options: new ApiServerOptions { CrdDirectory = crds });
        _api = KubeClientFactory.Create(_host.KubeconfigPath);
    }

    public async Task DisposeAsync()
    {
        _stop.Cancel();
        _api.Dispose();
        await _host.DisposeAsync();
        _stop.Dispose();
    }

    private static V1Service Service(string ns, string name, string? note = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Annotations = note is null ? null : new Dictionary<string, string> { ["note"] = note } },
        Spec = new V1ServiceSpec { Type = "LoadBalancer", Ports = [new V1ServicePort { Port = 80, Protocol = "TCP" }] },
    };

    private async Task<Informer<V1Service>> StartServiceInformer(RecordingHandler handler)
    {
        var informer = new Informer<V1Service>(new ListWatch<V1Service, V1ServiceList>(_api, KubeResources.Services), TimeProvider.System, options: Fast);
        informer.AddHandler(handler);
        _ = informer.RunAsync(_stop.Token);
        await informer.WaitForSyncAsync(_stop.Token).WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.True(() => _host.Server.OpenWatches >= 1, "watch open");
        return informer;
    }

    private void DeleteInProcess(string ns, string name)
    {
        var type = _host.Server.Registry.Find("", "v1", "services")!;
        _host.Server.Delete(new Target(type, ns, name, null), null, new WriteOptions());
    }

    private void CreateInProcess(string ns, string name)
    {
        var service = Service(ns, name);
        service.ApiVersion = "v1";
        service.Kind = "Service";
        _host.Server.CreateObject(JsonSerializer.SerializeToNode(service, k8s.SourceGenerationContext.Default.V1Service)!.AsObject());
    }

    [Fact]
    public async Task Informer_sees_creates_updates_and_deletes()
    {
        await _api.CreateAsync(KubeResources.Services, Service("default", "before"), _stop.Token);
        var handler = new RecordingHandler();
        var informer = await StartServiceInformer(handler);
        Assert.NotNull(informer.Cache.Get("default", "before"));

        var created = await _api.CreateAsync(KubeResources.Services, Service("default", "web"), _stop.Token);
        var copy = KubeObjects.Clone(created, k8s.SourceGenerationContext.Default.V1Service);
        copy.Metadata.Annotations = new Dictionary<string, string> { ["note"] = "v2" };
        await _api.ReplaceAsync(KubeResources.Services, copy, _stop.Token);
        await _api.DeleteAsync(KubeResources.Services, "default", "web", null, _stop.Token);

        await Eventually.True(() => handler.Log.Count(l => l.Contains("default/web")) == 3, "three events for web");
        var web = handler.Log.Where(l => l.Contains("default/web")).ToList();
        Assert.StartsWith("add default/web@", web[0]);
        Assert.StartsWith("update default/web@", web[1]);
        Assert.Equal("delete default/web", web[2]);
        Assert.Null(informer.Cache.Get("default", "web"));
        Assert.Equal(1, informer.Reflector.ListCount);
    }

    [Fact]
    public async Task Informer_resumes_after_dropped_watches_without_relisting()
    {
        var handler = new RecordingHandler();
        var informer = await StartServiceInformer(handler);
        for (var i = 0; i < 3; i++)
        {
            _host.Server.DropAllWatches();
            await _api.CreateAsync(KubeResources.Services, Service("default", $"s{i}"), _stop.Token);
            await Eventually.True(() => informer.Cache.Get("default", $"s{i}") is not null, $"s{i} seen");
        }
        Assert.Equal(1, informer.Reflector.ListCount);
        Assert.True(informer.Reflector.WatchCount >= 4);
        Assert.Equal(3, handler.Log.Count(l => l.StartsWith("add default/s")));
    }

    [Fact]
    public async Task Informer_relists_after_compaction_and_reports_what_vanished()
    {
        await _api.CreateAsync(KubeResources.Services, Service("default", "keep"), _stop.Token);
        await _api.CreateAsync(KubeResources.Services, Service("default", "vanish"), _stop.Token);
        var handler = new RecordingHandler();
        var informer = await StartServiceInformer(handler);

        // Hold the informer's reconnect back while, in-process, one object goes, one arrives and history is
        // compacted: the resume from the old version must get 410 and relist.
        _host.Server.Faults.Latency = TimeSpan.FromMilliseconds(500);
        _host.Server.DropAllWatches();
        DeleteInProcess("default", "vanish");
        CreateInProcess("default", "arrived");
        _host.Server.CompactHistory();
        _host.Server.Faults.Latency = TimeSpan.Zero;

        await Eventually.True(() => informer.Reflector.ListCount == 2 && informer.Cache.Get("default", "arrived") is not null, "relisted", 10);
        Assert.Null(informer.Cache.Get("default", "vanish"));
        Assert.Contains("delete(unknown) default/vanish", handler.Log);
        Assert.Single(handler.Log, l => l.Contains("default/keep"));
        await _api.CreateAsync(KubeResources.Services, Service("default", "later"), _stop.Token);
        await Eventually.True(() => informer.Cache.Get("default", "later") is not null, "watching again after relist");
    }

    [Fact]
    public async Task Status_write_retries_injected_conflicts_and_lands()
    {
        var created = await _api.CreateAsync(KubeResources.Services, Service("default", "lb"), _stop.Token);
        _host.Server.Faults.FailNextWrites(2, 409, "services");
        var status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = "192.0.2.7", IpMode = "VIP" }] } };
        var written = await new ServiceStatusWriter(_api).WriteStatusAsync(created, status, _stop.Token);
        Assert.Equal("192.0.2.7", written.Status.LoadBalancer.Ingress.Single().Ip);
        var stored = await _api.GetAsync(KubeResources.Services, "default", "lb", _stop.Token);
        Assert.Equal("192.0.2.7", stored.Status.LoadBalancer.Ingress.Single().Ip);
        Assert.Equal(0, _host.Server.Faults.PendingWriteFailures);
    }

    [Fact]
    public async Task Status_write_with_a_stale_version_rereads_and_lands()
    {
        var created = await _api.CreateAsync(KubeResources.Services, Service("default", "stale"), _stop.Token);
        await new ServiceStatusWriter(_api).PatchAnnotationsAsync("default", "stale", new Dictionary<string, string?> { ["purelb.io/allocated-by"] = "PureLB" }, _stop.Token);
        // `created` now has an old resourceVersion: the PUT gets a real 409 from the server.
        var status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = "192.0.2.8", IpMode = "VIP" }] } };
        var written = await new ServiceStatusWriter(_api).WriteStatusAsync(created, status, _stop.Token);
        Assert.Equal("PureLB", written.Metadata.Annotations["purelb.io/allocated-by"]);
        Assert.Equal("192.0.2.8", written.Status.LoadBalancer.Ingress.Single().Ip);
    }

    [Fact]
    public async Task Injected_500_on_a_write_surfaces_as_transient()
    {
        var created = await _api.CreateAsync(KubeResources.Services, Service("default", "busy"), _stop.Token);
        _host.Server.Faults.FailNextWrites(1, 500, "services");
        var status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = "192.0.2.9" }] } };
        var error = await Assert.ThrowsAsync<KubeApiException>(() => new ServiceStatusWriter(_api).WriteStatusAsync(created, status, _stop.Token));
        Assert.Equal(ApiErrorKind.Transient, error.Kind);
    }

    [Fact]
    public async Task Annotation_patch_merges_and_removes()
    {
        var svc = Service("default", "ann", "keep-me");
        await _api.CreateAsync(KubeResources.Services, svc, _stop.Token);
        var writer = new ServiceStatusWriter(_api);
        await writer.PatchAnnotationsAsync("default", "ann", new Dictionary<string, string?> { ["purelb.io/allocated-from"] = "default", ["purelb.io/pool-type"] = "local" }, _stop.Token);
        var after = await writer.PatchAnnotationsAsync("default", "ann", new Dictionary<string, string?> { ["purelb.io/pool-type"] = null }, _stop.Token);
        Assert.Equal("keep-me", after.Metadata.Annotations["note"]);
        Assert.Equal("default", after.Metadata.Annotations["purelb.io/allocated-from"]);
        Assert.False(after.Metadata.Annotations.ContainsKey("purelb.io/pool-type"));
    }

    [Fact]
    public async Task Events_are_written_and_repeats_aggregate()
    {
        var svc = await _api.CreateAsync(KubeResources.Services, Service("default", "evt"), _stop.Token);
        var recorder = new EventRecorder(_api, "purelb-allocator", TimeProvider.System);
        var reference = EventRecorder.ReferenceTo(svc);
        await recorder.WriteAsync(reference, EventTypes.Warning, "AllocationFailed", "no pool", _stop.Token);
        await recorder.WriteAsync(reference, EventTypes.Warning, "AllocationFailed", "no pool", _stop.Token);
        await recorder.WriteAsync(reference, EventTypes.Normal, "AddressAssigned", "Assigned 192.0.2.1", _stop.Token);
        var events = (await _api.ListAsync(KubeResources.Events, "default", _stop.Token)).Items;
        Assert.Equal(2, events.Count);
        var failed = events.Single(e => e.Reason == "AllocationFailed");
        Assert.Equal(2, failed.Count);
        Assert.Equal("purelb-allocator", failed.Source.Component);
        Assert.Equal("evt", failed.InvolvedObject.Name);
        Assert.Equal(svc.Metadata.Uid, failed.InvolvedObject.Uid);
        Assert.Equal("Warning", failed.Type);
    }

    [Fact]
    public async Task Lease_store_creates_updates_with_optimistic_concurrency_and_deletes_with_precondition()
    {
        var store = new KubeLeaseStore(_api, "default");
        var lease = new Purelb.Election.LeaseRecord("purelb-node-n1", "n1", DateTimeOffset.UtcNow, 10,
            new Dictionary<string, string> { ["purelb.io/subnets"] = "192.0.2.0/24" }, new Dictionary<string, string>(),
            new Purelb.Election.LeaseOwnerNode("n1", "11111111-2222-3333-4444-555555555555"), null);
        var created = await store.CreateAsync(lease, _stop.Token);
        var dup = await Assert.ThrowsAsync<Purelb.Election.LeaseStoreException>(() => store.CreateAsync(lease, _stop.Token));
        Assert.Equal(Purelb.Election.LeaseStoreError.AlreadyExists, dup.Error);

        var renewed = await store.UpdateAsync(created with { RenewTime = DateTimeOffset.UtcNow.AddSeconds(1) }, _stop.Token);
        Assert.NotEqual(created.ResourceVersion, renewed.ResourceVersion);
        var stale = await Assert.ThrowsAsync<Purelb.Election.LeaseStoreException>(() => store.UpdateAsync(created, _stop.Token));
        Assert.Equal(Purelb.Election.LeaseStoreError.Conflict, stale.Error);

        var read = await store.GetAsync("purelb-node-n1", _stop.Token);
        Assert.Equal("192.0.2.0/24", read!.Annotations["purelb.io/subnets"]);
        Assert.Equal(new Purelb.Election.LeaseOwnerNode("n1", "11111111-2222-3333-4444-555555555555"), read.OwnerNode);

        var guarded = await Assert.ThrowsAsync<Purelb.Election.LeaseStoreException>(() => store.DeleteAsync("purelb-node-n1", created.ResourceVersion, _stop.Token));
        Assert.Equal(Purelb.Election.LeaseStoreError.Conflict, guarded.Error);
        await store.DeleteAsync("purelb-node-n1", renewed.ResourceVersion, _stop.Token);
        Assert.Null(await store.GetAsync("purelb-node-n1", _stop.Token));
        var gone = await Assert.ThrowsAsync<Purelb.Election.LeaseStoreException>(() => store.DeleteAsync("purelb-node-n1", null, _stop.Token));
        Assert.Equal(Purelb.Election.LeaseStoreError.NotFound, gone.Error);
    }

    [Fact]
    public async Task Informer_factory_shares_informers_and_works_for_a_custom_resource()
    {
        await using var factory = new InformerFactory(_api, options: Fast);
        var widgets = factory.For(Widgets.Resource, ns: "default");
        Assert.Same(widgets, factory.For(Widgets.Resource, ns: "default"));
        var services = factory.For(KubeResources.Services);
        factory.Start(_stop.Token);
        await factory.WaitForCacheSyncAsync(_stop.Token).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(services.HasSynced);

        var w = new Widget { Metadata = new V1ObjectMeta { Name = "w1", NamespaceProperty = "default" }, Spec = new WidgetSpec { Color = "blue" } };
        await _api.CreateAsync(Widgets.Resource, w, _stop.Token);
        await Eventually.True(() => widgets.Cache.Get("default", "w1") is not null, "widget seen");
        Assert.Equal("blue", widgets.Cache.Get("default", "w1")!.Spec.Color);
        Assert.Equal(10, widgets.Cache.Get("default", "w1")!.Spec.Size); // defaulted by the server's schema
        _host.Server.DropAllWatches();
        await _api.DeleteAsync(Widgets.Resource, "default", "w1", null, _stop.Token);
        await Eventually.True(() => widgets.Cache.Count == 0, "widget delete seen after reconnect");
    }
}
