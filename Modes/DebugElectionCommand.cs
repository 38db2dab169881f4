using System.CommandLine;
using System.Net;
using Purelb.Modes.Debug;

namespace Purelb.Modes;

/// <summary>`purelb debug election`: live members from the agents' Leases and, with --address, the winner and ranking.</summary>
public static class DebugElectionCommand
{
    public static Command Build()
    {
        var command = new Command("election", "Live election members, their subnets and lease age; the winner for an address.");
        var kubeconfig = CommonOptions.Kubeconfig();
        var installNamespace = CommonOptions.Namespace();
        var output = CommonOptions.Output();
        output.AcceptOnlyFromAmong(StructuredOutput.Formats);
        var address = new Option<string?>("--address")
        {
            Description = "An address (e.g. 192.0.2.10): print the node that announces it and the failover order.",
        };
        address.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !IPAddress.TryParse(text, out _))
            {
                result.AddError($"--address: \"{text}\" is not an IP address.");
            }
        });
        command.Options.Add(kubeconfig);
        command.Options.Add(installNamespace);
        command.Options.Add(output);
        command.Options.Add(address);
        command.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var format = parse.GetValue(output) ?? "table";
            var ip = parse.GetValue(address) is { } text ? IPAddress.Parse(text) : null;
            return await LiveCluster.RunAsync("debug election", parse.GetValue(kubeconfig), parse.GetValue(installNamespace),
                ClusterState.Extras.Leases, state =>
                {
                    ElectionReportRenderer.Write(ElectionReportBuilder.Build(state, ip), format, stdout);
                    return 0;
                }, parse.InvocationConfiguration.Error, ct);
        });
        return command;
    }
}
