using System.CommandLine;
using Purelb.Kube.Yaml;
using Purelb.Modes.Debug;

namespace Purelb.Modes;

/// <summary>`purelb debug validate`: every ServiceGroup, LBNodeAgent and Service checked, from a cluster or files; exit 1 on problems.</summary>
public static class DebugValidateCommand
{
    public const int ExitProblems = 1;

    public static Command Build()
    {
        var command = new Command("validate", "Check every ServiceGroup and LBNodeAgent, overlaps, and Services that can never get an address; exit 1 on problems.");
        var kubeconfig = CommonOptions.Kubeconfig();
        var installNamespace = CommonOptions.Namespace();
        var output = CommonOptions.Output();
        output.AcceptOnlyFromAmong(StructuredOutput.Formats);
        var files = new Option<string[]>("--file", "-f")
        {
            Description = "Check ServiceGroups, LBNodeAgents and Services from YAML/JSON files instead of a cluster.",
            AllowMultipleArgumentsPerToken = true,
        };
        command.Options.Add(kubeconfig);
        command.Options.Add(installNamespace);
        command.Options.Add(output);
        command.Options.Add(files);
        command.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var format = parse.GetValue(output) ?? "table";
            var ns = parse.GetValue(installNamespace) ?? "";
            if (parse.GetValue(files) is { Length: > 0 } paths)
            {
                return Write(ValidateReportBuilder.Build(ManifestReader.ReadFiles(paths.Distinct()), ns, []), format, stdout);
            }
            return await LiveCluster.RunAsync("debug validate", parse.GetValue(kubeconfig), ns, ClusterState.Extras.None,
                state => Write(ValidateReportBuilder.Build(state.Objects, state.InstallNamespace, state.Notes), format, stdout),
                parse.InvocationConfiguration.Error, ct);
        });
        return command;
    }

    private static int Write(ValidateReport report, string format, TextWriter output)
    {
        ValidateReportRenderer.Write(report, format, output);
        return report.HasProblems ? ExitProblems : 0;
    }
}
