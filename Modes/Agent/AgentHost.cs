using Microsoft.Extensions.Logging;
using Purelb.Election;
using Purelb.Kube;
using Purelb.Kube.Agent;
using Purelb.Modes.Agent.Model;
using Purelb.Modes.Memory;
using Purelb.Modes.Observability;
using Purelb.Bgp;
using Purelb.Modes.Agent.Remote;
using Purelb.Netlink;

namespace Purelb.Modes.Agent;

public sealed record AgentHostOptions(
    string? Kubeconfig, string Namespace, string LogLevel, string LogFormat, string MetricsAddress,
    string NodeName, string Instance, ElectionTiming Timing, string BgpMode = "grpc", string BgpEndpoint = Purelb.Bgp.BgpEndpoint.Default);

/// <summary>
/// Composition root of `purelb agent`: the node's Lease (elector), the membership view, the netlink announcer and
/// the controller, run until SIGTERM; then withdraw every address first and delete the Lease last.
/// </summary>
public static class AgentHost
{
    public static async Task<int> RunAsync(AgentHostOptions options, PageResidency residency, CancellationToken ct)
    {
        using var loggers = LoggingSetup.Create(options.LogFormat, options.LogLevel);
        var log = loggers.CreateLogger("purelb.agent");
        log.LogInformation("purelb agent {Version}: node={Node} namespace={Namespace} lease={Lease} renew={Renew} fenceAfter={Fence} metrics={Metrics}",
            VersionCommand.Version, options.NodeName, options.Namespace, options.Timing.LeaseDuration, options.Timing.RenewPeriod,
            options.Timing.FenceAfter, options.MetricsAddress);
        log.LogInformation("memory: {Residency}", residency.Outcome);
        KubeApiClient api;
        RtNetlink rt;
        try
        {
            api = KubeClientFactory.Create(options.Kubeconfig, userAgent: $"purelb-agent/{VersionCommand.Version}");
            rt = RtNetlink.Open();
        }
        catch (Exception e)
        {
            log.LogCritical("cannot start: {Error}", e.Message);
            return 1;
        }
        using var _ = api;
        using var __ = rt;
        var time = TimeProvider.System;
        var registry = new MetricRegistry();
        ProcessCollector.Register(registry, VersionCommand.Version, "lbnodeagent");
        PageResidencyMetrics.Register(registry, residency);
        var metrics = new AgentMetrics(registry);
        var health = new HealthChecks();

        // Remote addresses: kube-lb0 always; BGP through gobgpd's API in grpc mode (netlink-import: k8gobgp imports
        // kube-lb0 itself; both at once would double the paths). The announcer exists in every mode so that an
        // LBNodeAgent's remoteAnnouncement can switch it on or off at run time (docs/bgp.md).
        if (!Purelb.Bgp.BgpEndpoint.TryParse(options.BgpEndpoint, out var endpoint, out var endpointError))
        {
            log.LogCritical("cannot start: {Error}", endpointError);
            return 2;
        }
        var bgp = new BgpAnnouncer(new BgpAnnouncerOptions { Endpoint = endpoint, Enabled = options.BgpMode == "grpc" },
            loggers.CreateLogger("purelb.agent.bgp"), time);
        log.LogInformation("BGP: {Mode} (gobgpd API {Endpoint}); the LBNodeAgent's remoteAnnouncement may override", options.BgpMode, endpoint);
        var remote = new RemoteAnnouncer(rt, new RemoteAnnouncerOptions(), bgp, loggers.CreateLogger("purelb.agent.remote"), time);
        var events = new EventRecorder(api, RemoteEvents.Component, time, loggers.CreateLogger("purelb.agent.events"), host: options.NodeName);
        RemoteEvents.Attach(remote, events, registry, options.NodeName);

        var nodeUid = await NodeUid.ReadAsync(api, options.NodeName, log, ct);
        AgentController? controller = null;
        using var elector = new Elector(
            new ElectorOptions(options.NodeName, options.Instance, nodeUid, options.Timing, () => controller?.Subnets ?? ""),
            new KubeLeaseStore(api, options.Namespace), time);
        using var tracker = new MembershipTracker(time);
        using var announcer = new LocalAnnouncer(rt, () => elector.MayAnnounce, metrics, time, loggers.CreateLogger("purelb.agent.announcer"));
        await using var informers = new InformerFactory(api, time, loggers);
        controller = new AgentController(informers, api, elector, tracker, announcer, metrics,
            new AgentSettings(options.NodeName, options.Namespace), options.Timing, time, loggers, remote);
        ElectionMetrics.Register(registry, elector, tracker, options.NodeName);
        EventMetrics.Register(registry, events, controller.EventRecorder);
        health.AddLiveness("lease", () =>
        {
            var h = elector.Health();
            return (h.Live, h.Reason);
        });
        health.AddReadiness("lease", () =>
        {
            var h = elector.Health();
            return (h.Ready, h.Reason);
        });
        health.AddReadiness("synced", () => (controller.IsSynced, controller.IsSynced ? "" : "waiting for the caches"));

        await using var server = new ObservabilityServer(options.MetricsAddress, registry, health, log);
        server.Start();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        announcer.StartMonitor();
        informers.Start(stop.Token);
        var controllerTask = controller.RunAsync(stop.Token);
        // Announce nothing before the caches are synced and leftovers are cleaned: the lease makes us a candidate.
        while (!controller.IsSynced && !controllerTask.IsCompleted && !ct.IsCancellationRequested)
        {
            try { await Task.Delay(20, ct); }
            catch (OperationCanceledException) { }
        }
        var settleTask = Task.CompletedTask;
        if (controller.IsSynced)
        {
            StartupMemory.Release(residency, log);
            settleTask = StartupMemory.SettleLaterAsync(residency, log, stop.Token);
        }
        var electorTask = elector.RunAsync(stop.Token);
        var eventsTask = events.RunAsync(stop.Token);
        // Started once the remote desired set is loaded: its first RIB pass withdraws what nobody wants.
        var bgpTask = bgp.RunAsync(stop.Token);
        health.AddReadiness("bgp", () =>
        {
            var s = bgp.Status;
            return (s.Ready || !s.Enabled, s.Ready || !s.Enabled ? "" : s.LastError ?? $"connecting to gobgpd at {s.Endpoint}");
        });
        try
        {
            await Task.WhenAny(controllerTask, Task.Delay(Timeout.Infinite, ct));
        }
        catch (OperationCanceledException)
        {
        }
        if (controllerTask.IsFaulted) log.LogError("controller failed: {Error}", controllerTask.Exception?.GetBaseException().Message);

        log.LogInformation("stopping: withdrawing addresses, then deleting our lease");
        using var shutdownTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var report = await elector.ShutdownAsync(_ =>
        {
            announcer.WithdrawAll();
            return Task.CompletedTask;
        }, shutdownTimeout.Token);
        // Remote addresses: withdraw from BGP first (traffic moves to the other nodes), then empty kube-lb0.
        remote.WithdrawAll();
        for (int i = 0; i < 50 && bgp is { Status: { Ready: true, Announced: > 0 } }; i++) await Task.Delay(20, CancellationToken.None);
        log.LogInformation("stopped: withdrawn={Withdrawn} lease={Deletion} {Error}", report.Withdrawn, report.Deletion, report.Error ?? "");
        stop.Cancel();
        try { await Task.WhenAll(controllerTask, electorTask, bgpTask, eventsTask, settleTask).WaitAsync(TimeSpan.FromSeconds(2)); }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException) { }
        return 0;
    }
}
