using System.Net;
using System.Text.Json;
using k8s;
using k8s.Models;
using Purelb.Kube;
using Purelb.Kube.Agent;
using Purelb.Tests.Kube;
using Xunit;

namespace Purelb.Tests.Agent;

/// <summary>What a refused add tells the operator: one Warning AnnouncementFailed per failure episode, naming node,
/// address, interface and the kernel's error; repeats stay quiet until the address is announced again.</summary>
public sealed class AgentEventsTests
{
    private static V1Service Svc() => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Uid = "uid-web", ResourceVersion = "7" },
    };

    [Fact]
    public async Task A_refused_add_is_one_warning_per_episode_and_news_again_after_an_announcement()
    {
        var stub = new StubHttp(r => StubHttp.Json(r.Body));
        using var api = stub.Client();
        var time = new FakeTimeProvider();
        var recorder = new EventRecorder(api, AgentEvents.Component, time, host: "node1");
        var events = new AgentEvents(recorder, new EventThrottle(time), "node1");
        var ip = IPAddress.Parse("192.0.2.77");

        events.Failed(Svc(), ip, "eth0", "no such device (ENODEV)");
        events.Failed(Svc(), ip, "eth0", "no such device (ENODEV)"); // the next kernel pass fails the same way
        events.Announcing(Svc(), ip, "eth0");
        events.Failed(Svc(), ip, "eth0", "no such device (ENODEV)");

        using var cts = new CancellationTokenSource();
        var run = recorder.RunAsync(cts.Token);
        await Eventually.True(() => stub.Requests.Count == 3, "three events written");
        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(5));

        // The second episode is the same event again: the recorder bumps the count of the first one.
        Assert.Equal(["POST", "POST", "PATCH"], stub.Requests.Select(r => r.Method));
        var written = stub.Requests.Take(2).Select(r => JsonSerializer.Deserialize(r.Body, SourceGenerationContext.Default.Corev1Event)!).ToList();
        Assert.Equal(["AnnouncementFailed", "AnnouncingLocal"], written.Select(e => e.Reason));
        var failed = written[0];
        Assert.EndsWith("/events/" + failed.Metadata.Name, stub.Requests[2].Path);
        Assert.Contains("\"count\":2", stub.Requests[2].Body);
        Assert.Equal("Warning", failed.Type);
        Assert.Equal("Node node1 could not announce 192.0.2.77 on interface eth0: no such device (ENODEV)", failed.Message);
        Assert.Equal(("Service", "web", "uid-web"), (failed.InvolvedObject.Kind, failed.InvolvedObject.Name, failed.InvolvedObject.Uid));
        Assert.Equal(("purelb-lbnodeagent", "node1"), (failed.Source.Component, failed.Source.Host));
    }
}
