using Microsoft.Extensions.Logging;
using Purelb.Kube;
using Purelb.Kube.Allocation;
using Purelb.Modes.Memory;
using Purelb.Modes.Observability;

namespace Purelb.Modes.Allocator;

public sealed record AllocatorHostOptions(
    string? Kubeconfig, string Namespace, string LogLevel, string LogFormat, string MetricsAddress, bool HandleUnclassed,
    int Workers = AllocatorSettings.DefaultWorkers);

/// <summary>Composition root of `purelb allocator`: builds every part with plain constructors and runs them until SIGTERM.</summary>
public static class AllocatorHost
{
    public static async Task<int> RunAsync(AllocatorHostOptions options, PageResidency residency, CancellationToken ct)
    {
        using var loggers = LoggingSetup.Create(options.LogFormat, options.LogLevel);
        var log = loggers.CreateLogger("purelb.allocator");
        log.LogInformation("purelb allocator {Version}: namespace={Namespace} kubeconfig={Kubeconfig} metrics={Metrics} handle-unclassed={Unclassed} workers={Workers}",
            VersionCommand.Version, options.Namespace == "" ? "(all)" : options.Namespace, options.Kubeconfig ?? "(in-cluster)",
            options.MetricsAddress, options.HandleUnclassed, options.Workers);
        log.LogInformation("memory: {Residency}", residency.Outcome);
        KubeApiClient api;
        try
        {
            api = KubeClientFactory.Create(options.Kubeconfig, userAgent: $"purelb-allocator/{VersionCommand.Version}");
        }
        catch (Exception e)
        {
            log.LogCritical("cannot configure the Kubernetes client: {Error}", e.Message);
            return 1;
        }
        using var _ = api;
        var time = TimeProvider.System;
        var registry = new MetricRegistry();
        ProcessCollector.Register(registry, VersionCommand.Version, "allocator");
        PageResidencyMetrics.Register(registry, residency);
        var health = new HealthChecks();
        await using var informers = new InformerFactory(api, time, loggers);
        var events = new EventRecorder(api, "purelb-allocator", time, loggers.CreateLogger("purelb.events"));
        EventMetrics.Register(registry, events);
        using var controller = new AllocatorController(api, informers, events, new AllocatorMetrics(registry),
            new AllocatorSettings(options.Namespace, options.HandleUnclassed) { Workers = options.Workers }, time, loggers);
        health.AddLiveness("process", () => (true, ""));
        health.AddReadiness("synced", () => (controller.IsReady, controller.IsReady ? "" : "waiting for the first list and the configuration"));

        await using var server = new ObservabilityServer(options.MetricsAddress, registry, health, log);
        server.Start();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        informers.Start(stop.Token);
        var eventsTask = events.RunAsync(stop.Token);
        var startupRelease = ReleaseStartupMemoryWhenReadyAsync(controller, residency, log, stop.Token);
        try
        {
            await controller.RunAsync(stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        log.LogInformation("stopping");
        stop.Cancel();
        try { await Task.WhenAll(eventsTask, startupRelease).WaitAsync(TimeSpan.FromSeconds(2)); }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException) { }
        return 0;
    }

    /// <summary>After the first lists and the adoption of every existing allocation (see <see cref="StartupMemory"/>).</summary>
    private static async Task ReleaseStartupMemoryWhenReadyAsync(AllocatorController controller, PageResidency residency,
        ILogger log, CancellationToken ct)
    {
        try
        {
            while (!controller.IsReady) await Task.Delay(100, ct);
            StartupMemory.Release(residency, log);
            await StartupMemory.SettleLaterAsync(residency, log, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
