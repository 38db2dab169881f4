using System.CommandLine;
using Purelb.Election;
using Purelb.Modes.Agent;
using Purelb.Modes.Agent.Model;
using Purelb.Modes.Memory;

namespace Purelb.Modes;

public static class AgentCommand
{
    public static Command Build(PageResidency residency)
    {
        var options = new AgentOptions();
        var command = options.Build();
        command.SetAction((result, ct) =>
        {
            var node = result.GetValue(options.NodeName);
            if (string.IsNullOrEmpty(node))
            {
                Console.Error.WriteLine("purelb agent: --node-name (or PURELB_NODE_NAME) is required");
                return Task.FromResult(2);
            }
            if (!TryTiming(result.GetValue(options.LeaseDuration), result.GetValue(options.RenewPeriod), out var timing, out var error))
            {
                Console.Error.WriteLine($"purelb agent: {error}");
                return Task.FromResult(2);
            }
            var instance = result.GetValue(options.PodUid);
            return AgentHost.RunAsync(new AgentHostOptions(
                result.GetValue(options.Kubeconfig),
                NamespaceResolver.Resolve(result.GetValue(options.Namespace)),
                result.GetValue(options.LogLevel)!,
                result.GetValue(options.LogFormat)!,
                result.GetValue(options.MetricsAddress)!,
                node,
                string.IsNullOrEmpty(instance) ? Guid.NewGuid().ToString() : instance,
                timing!,
                result.GetValue(options.BgpMode)!,
                result.GetValue(options.BgpEndpoint)!), residency, ct);
        });
        return command;
    }

    private static bool TryTiming(string? lease, string? renew, out ElectionTiming? timing, out string? error)
    {
        timing = null;
        error = null;
        if (!GoDuration.TryParse(lease, out var l))
        {
            error = $"--lease-duration \"{lease}\" is not a duration";
            return false;
        }
        try
        {
            if (string.IsNullOrEmpty(renew))
            {
                timing = ElectionTiming.ForLeaseDuration(l);
                return true;
            }
            if (!GoDuration.TryParse(renew, out var r))
            {
                error = $"--renew-period \"{renew}\" is not a duration";
                return false;
            }
            var lag = l / 10 < TimeSpan.FromMilliseconds(500) ? l / 10 : TimeSpan.FromMilliseconds(500);
            timing = new ElectionTiming(l, r, r < l / 10 ? r : l / 10, watchLagAllowance: lag);
            return true;
        }
        catch (ArgumentException e)
        {
            error = e.Message;
            return false;
        }
    }
}
