using System.Text.Json.Nodes;
using KubeApiServer;
using Xunit;

namespace Purelb.Tests.Allocator;

/// <summary>The real allocator process against the in-repo API server, driven and observed only through the API.</summary>
[Trait("Category", "EndToEnd")]
public class AllocatorEndToEndTests
{
    [Fact]
    public async Task Allocates_from_the_default_group_and_writes_status_annotations_events_and_pool_status()
    {
        await using var lab = await AllocatorLab.StartAsync();
        lab.ServiceGroup("default", "192.0.2.10-192.0.2.19", "192.0.2.0/24");
        lab.StartAllocator();
        lab.Service("default", "web");
        var ingress = await lab.IngressOfAsync("default", "web");
        Assert.Equal(["192.0.2.10"], ingress);
        var svc = lab.GetService("default", "web");
        Assert.Equal("PureLB", AllocatorLab.Annotation(svc, "purelb.io/allocated-by"));
        Assert.Equal("default", AllocatorLab.Annotation(svc, "purelb.io/allocated-from"));
        Assert.Equal("local", AllocatorLab.Annotation(svc, "purelb.io/pool-type"));
        Assert.Equal("VIP", (string?)svc!["status"]!["loadBalancer"]!["ingress"]![0]!["ipMode"]);
        var sg = await lab.EventuallyAsync(() => lab.Api.GetObject("purelb.io/v2", "ServiceGroup", AllocatorLab.InstallNamespace, "default"),
            g => (long?)g?["status"]?["allocatedIPv4"] == 1, "ServiceGroup status to count the address");
        Assert.Equal(9, (long?)sg!["status"]!["availableIPv4"]);
        Assert.Equal("Local", (string?)sg["status"]!["announce"]);
        await lab.EventuallyAsync(() => lab.Events("AddressAssigned"), e => e.Count == 1, "an AddressAssigned event");
    }

    [Fact]
    public async Task Each_decision_is_one_status_write_carrying_the_annotations()
    {
        await using var lab = await AllocatorLab.StartAsync();
        lab.ServiceGroup("default", "192.0.2.10-192.0.2.29", "192.0.2.0/24");
        lab.StartAllocator();
        var watcher = new Watcher(ServiceType(lab).StorageKey);
        lock (lab.Api.Store.Lock) lab.Api.Store.AddWatcher(watcher);
        var names = Enumerable.Range(0, 5).Select(i => $"one{i}").ToList();
        foreach (var name in names) lab.Service("default", name);
        foreach (var name in names)
        {
            await lab.IngressOfAsync("default", name);
            Assert.Equal("default", AllocatorLab.Annotation(lab.GetService("default", name), "purelb.io/allocated-from"));
        }
        await Task.Delay(300); // a second version, if any, would come now
        lock (lab.Api.Store.Lock) lab.Api.Store.RemoveWatcher(watcher);
        var modified = new List<string>();
        while (watcher.Reader.TryRead(out var e))
            if (e.Type == "MODIFIED") modified.Add((string)e.Object["metadata"]!["name"]!);
        foreach (var name in names)
        {
            // One new version per decision, address and annotations together. (A retry on a stale cached version
            // may send the status patch again; it conflicts and changes nothing.)
            Assert.Equal(1, modified.Count(n => n == name));
            var path = $"/api/v1/namespaces/default/services/{name}";
            Assert.DoesNotContain(lab.Api.RequestLog, r => r.Method == "PATCH" && r.Path == path);
        }
    }

    [Fact]
    public async Task A_server_that_drops_metadata_sent_to_status_still_gets_the_annotations_in_a_second_write()
    {
        await using var lab = await AllocatorLab.StartAsync();
        lab.Api.Faults.StatusWritesDropMetadata = true;
        lab.ServiceGroup("default", "192.0.2.10-192.0.2.29", "192.0.2.0/24");
        lab.StartAllocator();
        var watcher = new Watcher(ServiceType(lab).StorageKey);
        lock (lab.Api.Store.Lock) lab.Api.Store.AddWatcher(watcher);
        lab.Service("default", "strict");
        Assert.Equal(["192.0.2.10"], await lab.IngressOfAsync("default", "strict"));
        var svc = await lab.EventuallyAsync(() => lab.GetService("default", "strict"),
            s => AllocatorLab.Annotation(s, "purelb.io/allocated-from") == "default", "the annotations after the status");
        Assert.Equal("local", AllocatorLab.Annotation(svc, "purelb.io/pool-type"));
        var path = "/api/v1/namespaces/default/services/strict";
        Assert.Equal(path + "/status", lab.Api.RequestLog.First(r => r.Method == "PATCH" && r.Path.StartsWith(path, StringComparison.Ordinal)).Path);
        // Settled: the address, then the annotations, and no write loop once both are in place.
        await Task.Delay(500);
        lock (lab.Api.Store.Lock) lab.Api.Store.RemoveWatcher(watcher);
        var versions = new List<JsonObject>();
        while (watcher.Reader.TryRead(out var e))
            if (e.Type == "MODIFIED") versions.Add(e.Object);
        Assert.Equal(2, versions.Count);
        Assert.Null(AllocatorLab.Annotation(versions[0], "purelb.io/allocated-from"));
        Assert.Equal(["192.0.2.10"], AllocatorLab.Ingress(versions[0]));
        Assert.Equal("default", AllocatorLab.Annotation(versions[1], "purelb.io/allocated-from"));
    }

    [Fact]
    public async Task Dual_stack_service_gets_one_address_of_each_family()
    {
        await using var lab = await AllocatorLab.StartAsync();
        lab.ServiceGroup("default", "192.0.2.10/31", "192.0.2.0/24", "2001:db8::10-2001:db8::1f", "2001:db8::/64");
        lab.StartAllocator();
        lab.Service("default", "ds", extraSpec: ""","ipFamilyPolicy":"RequireDualStack","ipFamilies":["IPv6","IPv4"]""");
        var ingress = await lab.IngressOfAsync("default", "ds", count: 2);
        Assert.Equal(["2001:db8::10", "192.0.2.10"], ingress);
    }

    [Fact]
    public async Task Exhausted_pool_fails_with_an_event_and_a_deleted_service_frees_its_address_for_the_waiting_one()
    {
        await using var lab = await AllocatorLab.StartAsync();
        lab.ServiceGroup("default", "192.0.2.50/32", "192.0.2.0/24");
        lab.StartAllocator();
        lab.Service("default", "first");
        Assert.Equal(["192.0.2.50"], await lab.IngressOfAsync("default", "first"));
        lab.Service("default", "second");
        var failed = await lab.EventuallyAsync(() => lab.Events("AllocationFailed"), e => e.Count > 0, "an AllocationFailed event");
        Assert.Contains("default/second", (string?)failed[0]["message"]);
        Assert.Empty(AllocatorLab.Ingress(lab.GetService("default", "second")));

        lab.Api.Delete(new Target(ServiceType(lab), "default", "first", null), null, new WriteOptions());
        Assert.Equal(["192.0.2.50"], await lab.IngressOfAsync("default", "second"));
    }

    [Fact]
    public async Task Restarting_the_allocator_mid_stream_never_changes_or_duplicates_an_address()
    {
        await using var lab = await AllocatorLab.StartAsync();
        lab.ServiceGroup("default", "192.0.2.0/26", "192.0.2.0/24");
        var first = lab.StartAllocator();
        for (int i = 0; i < 20; i++) lab.Service("default", $"s{i}");
        var before = new Dictionary<string, string>();
        for (int i = 0; i < 20; i++) before[$"s{i}"] = (await lab.IngressOfAsync("default", $"s{i}"))[0];

        first.Kill();
        first.WaitForExit(TimeSpan.FromSeconds(5));
        for (int i = 20; i < 30; i++) lab.Service("default", $"s{i}"); // created while no allocator runs
        lab.StartAllocator();
        for (int i = 30; i < 40; i++) lab.Service("default", $"s{i}");

        var all = new Dictionary<string, string>();
        for (int i = 0; i < 40; i++) all[$"s{i}"] = (await lab.IngressOfAsync("default", $"s{i}"))[0];
        foreach (var (name, address) in before) Assert.Equal(address, all[name]);
        Assert.Equal(40, all.Values.Distinct().Count());
    }

    [Fact]
    public async Task Survives_dropped_watches_compaction_and_failing_writes()
    {
        await using var lab = await AllocatorLab.StartAsync();
        lab.ServiceGroup("default", "192.0.2.0/26", "192.0.2.0/24");
        lab.StartAllocator();
        lab.Service("default", "a");
        await lab.IngressOfAsync("default", "a");

        lab.Api.DropAllWatches();
        lab.Service("default", "b");
        await lab.IngressOfAsync("default", "b");

        lab.Api.DropAllWatches();
        lab.Service("default", "c"); // happens while the watch is down ...
        lab.Api.CompactHistory(); // ... and the history it would resume from is gone: 410, relist
        await lab.IngressOfAsync("default", "c");

        // Writes fail while the allocator has work queued: it must retry with backoff, not give up or crash.
        lab.Allocator!.Kill();
        lab.Allocator.WaitForExit(TimeSpan.FromSeconds(5));
        lab.Service("default", "d");
        lab.Api.Faults.FailNextWrites(3, 500, "services");
        lab.StartAllocator();
        await lab.IngressOfAsync("default", "d", seconds: 20);
        Assert.Equal(0, lab.Api.Faults.PendingWriteFailures);

        lab.Allocator!.Kill();
        lab.Allocator.WaitForExit(TimeSpan.FromSeconds(5));
        lab.Service("default", "e");
        lab.Api.Faults.FailNextWrites(2, 409, "services");
        lab.Api.Faults.Latency = TimeSpan.FromMilliseconds(50);
        lab.StartAllocator();
        await lab.IngressOfAsync("default", "e", seconds: 20);
        Assert.Equal(0, lab.Api.Faults.PendingWriteFailures);
        lab.Api.Faults.Clear();
        var addresses = new[] { "a", "b", "c", "d", "e" }.Select(n => AllocatorLab.Ingress(lab.GetService("default", n))[0]).ToList();
        Assert.Equal(5, addresses.Distinct().Count());
    }

    [Fact]
    public async Task Type_change_away_from_load_balancer_releases_and_clears_the_address()
    {
        await using var lab = await AllocatorLab.StartAsync();
        lab.ServiceGroup("default", "192.0.2.60/32", "192.0.2.0/24");
        lab.StartAllocator();
        lab.Service("default", "x");
        await lab.IngressOfAsync("default", "x");
        lab.Api.Patch(new Target(ServiceType(lab), "default", "x", null), "application/merge-patch+json",
            JsonNode.Parse("""{"spec":{"type":"ClusterIP"}}"""), new WriteOptions());
        await lab.EventuallyAsync(() => lab.GetService("default", "x"),
            s => AllocatorLab.Ingress(s).Count == 0 && AllocatorLab.Annotation(s, "purelb.io/allocated-from") is null,
            "ingress and allocated-from to be cleared");
        lab.Service("default", "y"); // the only address is free again
        Assert.Equal(["192.0.2.60"], await lab.IngressOfAsync("default", "y"));
    }

    [Fact]
    public async Task Services_of_another_load_balancer_class_are_left_alone_and_ours_is_accepted()
    {
        await using var lab = await AllocatorLab.StartAsync();
        lab.ServiceGroup("default", "192.0.2.0/26", "192.0.2.0/24");
        lab.StartAllocator();
        lab.Service("default", "theirs", extraSpec: ""","loadBalancerClass":"example.com/other" """);
        lab.Service("default", "upstream", extraSpec: ""","loadBalancerClass":"purelb.io/purelbv2" """);
        lab.Service("default", "ours", extraSpec: ""","loadBalancerClass":"purelb.io/purelb" """);
        await lab.IngressOfAsync("default", "upstream");
        await lab.IngressOfAsync("default", "ours");
        Assert.Empty(AllocatorLab.Ingress(lab.GetService("default", "theirs")));
        Assert.Null(AllocatorLab.Annotation(lab.GetService("default", "theirs"), "purelb.io/allocated-by"));
    }

    [Fact]
    public async Task An_invalid_group_is_reported_with_an_event_and_valid_groups_keep_working()
    {
        await using var lab = await AllocatorLab.StartAsync();
        lab.ServiceGroup("default", "192.0.2.0/26", "192.0.2.0/24");
        lab.ServiceGroup("broken", "198.51.100.10-198.51.100.20", "192.0.2.0/24"); // range outside its subnet
        lab.StartAllocator();
        var failed = await lab.EventuallyAsync(() => lab.Events("ParseFailed"), e => e.Count > 0, "a ParseFailed event");
        Assert.Equal("broken", (string?)failed[0]["involvedObject"]!["name"]);
        lab.Service("default", "ok");
        await lab.IngressOfAsync("default", "ok");
        lab.Service("default", "wants-broken", annotations: """{"purelb.io/service-group":"broken"}""");
        await lab.EventuallyAsync(() => lab.Events("AllocationFailed"), e => e.Any(x => ((string?)x["message"])!.Contains("wants-broken")),
            "an AllocationFailed event for the Service naming the broken group");
    }

    private static ResourceType ServiceType(AllocatorLab lab) =>
        lab.Api.Registry.InGroupVersion("", "v1").First(t => t.Kind == "Service");
}

[Trait("Category", "EndToEnd")]
public class AllocatorExternalIpamTests
{
    [Fact]
    public async Task An_external_group_takes_addresses_from_the_sidecar_and_returns_them_on_delete()
    {
        var socket = Purelb.Tests.Fakes.TestSidecar.TestSidecarServer.NewSocketPath();
        await using var sidecar = await Purelb.Tests.Fakes.TestSidecar.TestSidecarServer.StartAsync(socket, "10.20.30.0/24");
        await using var lab = await AllocatorLab.StartAsync();
        var group = AllocatorLab.Json("""{"apiVersion":"purelb.io/v2","kind":"ServiceGroup","spec":{}}""");
        group["metadata"] = new JsonObject { ["name"] = "ext", ["namespace"] = AllocatorLab.InstallNamespace };
        group["spec"]!["external"] = new JsonObject { ["provider"] = "test-sidecar", ["socket"] = socket, ["announce"] = "remote" };
        lab.Create(group);
        lab.StartAllocator();
        lab.Service("default", "web", annotations: """{"purelb.io/service-group":"ext"}""");
        var ingress = await lab.IngressOfAsync("default", "web");
        Assert.StartsWith("10.20.30.", ingress[0]);
        var svc = lab.GetService("default", "web");
        Assert.Equal("ext", AllocatorLab.Annotation(svc, "purelb.io/allocated-from"));
        Assert.Equal("remote", AllocatorLab.Annotation(svc, "purelb.io/pool-type"));
        Assert.Equal("default/web", Assert.Single(sidecar.Pools.Holdings("ext")).Value);

        lab.Api.Delete(new global::KubeApiServer.Target(lab.Api.Registry.InGroupVersion("", "v1").First(t => t.Kind == "Service"), "default", "web", null),
            null, new global::KubeApiServer.WriteOptions());
        await lab.EventuallyAsync(() => sidecar.Pools.Holdings("ext").Count, n => n == 0, "the sidecar to get the address back");
    }
}

[Trait("Category", "EndToEnd")]
public class AllocatorRbacTests
{
    /// <summary>Every call the real allocator makes in a busy scenario is allowed by the RBAC we ship, in the install namespace.</summary>
    [Fact]
    public async Task Every_api_call_of_the_allocator_is_allowed_by_its_shipped_rbac()
    {
        await using var lab = await AllocatorLab.StartAsync();
        lab.ServiceGroup("default", "192.0.2.70/31", "192.0.2.0/24");
        lab.ServiceGroup("broken", "198.51.100.1-198.51.100.2", "192.0.2.0/24");
        lab.StartAllocator();
        lab.Service("default", "a");
        lab.Service("default", "b");
        lab.Service("default", "c"); // exhausted: an event
        await lab.IngressOfAsync("default", "b");
        lab.Api.Patch(new global::KubeApiServer.Target(lab.Api.Registry.InGroupVersion("", "v1").First(t => t.Kind == "Service"), "default", "a", null),
            "application/merge-patch+json", JsonNode.Parse("""{"spec":{"type":"ClusterIP"}}"""), new global::KubeApiServer.WriteOptions());
        await lab.IngressOfAsync("default", "c");
        await lab.EventuallyAsync(() => lab.Events("ParseFailed"), e => e.Count > 0, "a ParseFailed event");

        var rules = Purelb.Tests.Deploy.RbacRules.ForServiceAccount(
            Path.Combine(Purelb.Tests.Deploy.ManifestSet.DeployDirectory, "helm", "purelb", "files", "rbac-allocator.yaml"), "purelb-allocator");
        var calls = lab.Api.RequestLog
            .Select(r => Purelb.Tests.Deploy.ApiCall.FromRequest(r.Method, r.Path, r.Watch))
            .OfType<Purelb.Tests.Deploy.ApiCall>()
            .Where(c => !(c.Group == "" && c.Resource == "namespaces" && c.Verb == "create")) // the test's own seeding
            .Distinct().ToList();
        Assert.Contains(calls, c => c.Resource == "services/status" && c.Verb == "patch"); // the ingress is a merge patch (IngressWriter)
        Assert.Contains(calls, c => c.Resource == "servicegroups/status" && c.Verb == "patch");
        var denied = calls.Where(c => !rules.Allows(c)).ToList();
        Assert.True(denied.Count == 0, "not allowed by rbac-allocator.yaml: " + string.Join("; ", denied));
    }
}
