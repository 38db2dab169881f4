using System.CommandLine;
using Purelb.Kube.Allocation;
using Purelb.Modes.Allocator;
using Purelb.Modes.Memory;

namespace Purelb.Modes;

public static class AllocatorCommand
{
    public static Command Build(PageResidency residency)
    {
        var kubeconfig = CommonOptions.Kubeconfig();
        var ns = CommonOptions.Namespace();
        var logLevel = CommonOptions.LogLevel();
        var logFormat = CommonOptions.LogFormat();
        var metrics = CommonOptions.MetricsAddress(":7472");
        var unclassed = new Option<bool>("--handle-unclassed")
        {
            Description = "Also allocate for Services without spec.loadBalancerClass (env DEFAULT_ANNOUNCER=PureLB or PURELB_HANDLE_UNCLASSED).",
            DefaultValueFactory = _ => HandleUnclassedDefault(),
        };
        var workers = new Option<int>("--workers")
        {
            Description = "Services whose API writes may be in flight at once; decisions stay one at a time (env PURELB_WORKERS).",
            DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("PURELB_WORKERS"), out var n) && n > 0 ? n : AllocatorSettings.DefaultWorkers,
        };
        workers.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 256) r.AddError("--workers must be between 1 and 256");
        });
        var command = new Command("allocator",
            "Run the allocator (one replica): assign addresses from ServiceGroups to LoadBalancer Services.");
        foreach (var option in new Option[] { kubeconfig, ns, logLevel, logFormat, metrics, unclassed, workers })
            command.Options.Add(option);
        command.SetAction((result, ct) => AllocatorHost.RunAsync(new AllocatorHostOptions(
            result.GetValue(kubeconfig),
            NamespaceResolver.Resolve(result.GetValue(ns)),
            result.GetValue(logLevel)!,
            result.GetValue(logFormat)!,
            result.GetValue(metrics)!,
            result.GetValue(unclassed),
            result.GetValue(workers)), residency, ct));
        return command;
    }

    /// <summary>On unless switched off: an operator installing a load balancer expects it to serve plain LoadBalancer Services.</summary>
    private static bool HandleUnclassedDefault()
    {
        var ours = Environment.GetEnvironmentVariable("PURELB_HANDLE_UNCLASSED");
        if (ours is not null) return ours is "true" or "1";
        var upstream = Environment.GetEnvironmentVariable("DEFAULT_ANNOUNCER");
        return upstream is null || upstream == "PureLB";
    }
}
