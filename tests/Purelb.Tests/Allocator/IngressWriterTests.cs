using System.Text.Json.Nodes;
using k8s.Models;
using KubeApiServer;
using Microsoft.Extensions.Logging.Abstractions;
using Purelb.Kube;
using Purelb.Kube.Allocation;
using Xunit;

namespace Purelb.Tests.Allocator;

/// <summary>The allocator's ingress write against the in-repo API server: only the ingress changes, a stale
/// resourceVersion is caught and retried on fresh data, and a re-created Service is not written.</summary>
public sealed class IngressWriterTests : IAsyncLifetime
{
    private KubeApiServerHost _host = null!;
    private KubeApiClient _api = null!;

    public async Task InitializeAsync()
    {
        _host = await KubeApiServerHost.StartAsync();
        _api = KubeClientFactory.Create(_host.KubeconfigPath);
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _host.DisposeAsync();
    }

    private JsonObject Create(string name) => _host.Server.CreateObject((JsonObject)JsonNode.Parse("""
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"NAME","namespace":"default","labels":{"app":"x"},"annotations":{"keep":"me"}},
         "spec":{"type":"LoadBalancer","ports":[{"port":80,"protocol":"TCP"}],"selector":{"app":"x"}}}
        """.Replace("NAME", name))!);

    private Task<V1Service> Read(string name) => _api.GetAsync(KubeResources.Services, "default", name, CancellationToken.None);

    [Fact]
    public async Task Only_the_ingress_changes_and_the_conditions_and_metadata_stay()
    {
        Create("web");
        var full = await Read("web");
        full.Status = new V1ServiceStatus { Conditions = [new V1Condition { Type = "Probe", Status = "True", Reason = "Seen", Message = "m", LastTransitionTime = DateTime.UnixEpoch }] };
        full = await _api.ReplaceStatusAsync(KubeResources.Services, full, CancellationToken.None);
        var slim = new ServiceProjection().Slim(full);

        await new IngressWriter(_api, NullLogger.Instance).WriteAsync(slim, slim.Metadata.ResourceVersion, ["192.0.2.1", "2001:db8::1"], CancellationToken.None);

        var after = await Read("web");
        Assert.Equal(["192.0.2.1", "2001:db8::1"], after.Status.LoadBalancer.Ingress.Select(i => i.Ip));
        Assert.All(after.Status.LoadBalancer.Ingress, i => Assert.Equal("VIP", i.IpMode));
        Assert.Equal("Probe", after.Status.Conditions.Single().Type);
        Assert.Equal("me", after.Metadata.Annotations["keep"]);
        Assert.Equal("x", after.Metadata.Labels["app"]);
        Assert.Equal("x", after.Spec.Selector["app"]);

        await new IngressWriter(_api, NullLogger.Instance).WriteAsync(slim, after.Metadata.ResourceVersion, [], CancellationToken.None);
        var cleared = await Read("web");
        Assert.Empty(cleared.Status.LoadBalancer?.Ingress ?? []);
        Assert.Equal("Probe", cleared.Status.Conditions.Single().Type);
    }

    [Fact]
    public async Task A_stale_resourceVersion_conflicts_and_is_retried_on_a_fresh_read()
    {
        Create("web");
        var decided = new ServiceProjection().Slim(await Read("web"));
        var changed = await Read("web");
        changed.Metadata.Annotations["other"] = "writer";
        await _api.ReplaceAsync(KubeResources.Services, changed, CancellationToken.None);
        var before = _host.Server.RequestLog.Count;

        await new IngressWriter(_api, NullLogger.Instance).WriteAsync(decided, decided.Metadata.ResourceVersion, ["192.0.2.2"], CancellationToken.None);

        var log = _host.Server.RequestLog.Skip(before).Select(r => r.Method).ToList();
        Assert.Equal(["PATCH", "GET", "PATCH"], log); // 409 on the stale version, re-read, written on the fresh one
        var after = await Read("web");
        Assert.Equal("192.0.2.2", after.Status.LoadBalancer.Ingress.Single().Ip);
        Assert.Equal("writer", after.Metadata.Annotations["other"]);
    }

    [Fact]
    public async Task A_recreated_Service_is_not_written()
    {
        Create("web");
        var decided = new ServiceProjection().Slim(await Read("web"));
        await _api.DeleteAsync(KubeResources.Services, "default", "web", null, CancellationToken.None);
        Create("web");

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new IngressWriter(_api, NullLogger.Instance).WriteAsync(decided, decided.Metadata.ResourceVersion, ["192.0.2.3"], CancellationToken.None));
        Assert.Empty((await Read("web")).Status?.LoadBalancer?.Ingress ?? []);
    }

    [Fact]
    public async Task Annotations_ride_on_the_status_write_in_one_request()
    {
        Create("web");
        var decided = new ServiceProjection().Slim(await Read("web"));
        var before = _host.Server.RequestLog.Count;

        await new IngressWriter(_api, NullLogger.Instance).WriteAsync(decided, decided.Metadata.ResourceVersion, ["192.0.2.4"], CancellationToken.None,
            new Dictionary<string, string?> { ["purelb.io/allocated-from"] = "default", ["keep"] = null });

        var log = _host.Server.RequestLog.Skip(before).Select(r => (r.Method, r.Path)).ToList();
        Assert.Equal([("PATCH", "/api/v1/namespaces/default/services/web/status")], log);
        var after = await Read("web");
        Assert.Equal("192.0.2.4", after.Status.LoadBalancer.Ingress.Single().Ip);
        Assert.Equal("default", after.Metadata.Annotations["purelb.io/allocated-from"]);
        Assert.False(after.Metadata.Annotations.ContainsKey("keep")); // null removes
        Assert.Equal("x", after.Metadata.Labels["app"]);
        Assert.True(IngressWriter.HasAnnotations(after, new Dictionary<string, string?> { ["purelb.io/allocated-from"] = "default", ["keep"] = null }));
        Assert.False(IngressWriter.HasAnnotations(after, new Dictionary<string, string?> { ["purelb.io/allocated-from"] = "other" }));
    }

    [Fact]
    public async Task A_conflicted_combined_write_is_done_only_when_the_fresh_read_shows_the_annotations_too()
    {
        Create("web");
        var decided = new ServiceProjection().Slim(await Read("web"));
        // Someone else wrote our addresses but not our annotations meanwhile: the fresh read must not end the write.
        var changed = await Read("web");
        changed.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = "192.0.2.5", IpMode = "VIP" }] } };
        await _api.ReplaceStatusAsync(KubeResources.Services, changed, CancellationToken.None);
        var before = _host.Server.RequestLog.Count;

        await new IngressWriter(_api, NullLogger.Instance).WriteAsync(decided, decided.Metadata.ResourceVersion, ["192.0.2.5"], CancellationToken.None,
            new Dictionary<string, string?> { ["purelb.io/allocated-from"] = "default" });

        Assert.Equal(["PATCH", "GET", "PATCH"], _host.Server.RequestLog.Skip(before).Select(r => r.Method));
        Assert.Equal("default", (await Read("web")).Metadata.Annotations["purelb.io/allocated-from"]);
    }
}
