using System.CommandLine;
using Purelb.Modes.Debug;

namespace Purelb.Modes;

/// <summary>`purelb debug services`: every LoadBalancer Service, its addresses, pool, announcing nodes and problems.</summary>
public static class DebugServicesCommand
{
    public static Command Build()
    {
        var command = new Command("services", "Each LoadBalancer Service: addresses, group, pool, announcing nodes, problems.");
        var kubeconfig = CommonOptions.Kubeconfig();
        var installNamespace = CommonOptions.Namespace();
        var output = CommonOptions.Output();
        output.AcceptOnlyFromAmong(StructuredOutput.Formats);
        command.Options.Add(kubeconfig);
        command.Options.Add(installNamespace);
        command.Options.Add(output);
        command.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var format = parse.GetValue(output) ?? "table";
            return await LiveCluster.RunAsync("debug services", parse.GetValue(kubeconfig), parse.GetValue(installNamespace),
                ClusterState.Extras.Leases | ClusterState.Extras.EndpointSlices | ClusterState.Extras.Events, state =>
                {
                    ServicesReportRenderer.Write(ServicesReportBuilder.Build(state), format, stdout);
                    return 0;
                }, parse.InvocationConfiguration.Error, ct);
        });
        return command;
    }
}
