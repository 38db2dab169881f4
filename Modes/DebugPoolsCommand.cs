using System.CommandLine;
using Purelb.Kube.Yaml;
using Purelb.Modes.Debug;

namespace Purelb.Modes;

public static class DebugPoolsCommand
{
    public const int ExitProblems = 1;

    public static Command Build()
    {
        var command = new Command("pools", "Each ServiceGroup and pool: type, ranges, size, used, free; and which address each Service would get.");
        var kubeconfig = CommonOptions.Kubeconfig();
        var installNamespace = CommonOptions.Namespace();
        var output = CommonOptions.Output();
        output.AcceptOnlyFromAmong(StructuredOutput.Formats);
        var files = new Option<string[]>("--file", "-f")
        {
            Description = "Read ServiceGroups from YAML/JSON files instead of a cluster.",
            AllowMultipleArgumentsPerToken = true,
        };
        var services = new Option<string[]>("--services")
        {
            Description = "With --file: Services (YAML/JSON) to place into the pools.",
            AllowMultipleArgumentsPerToken = true,
        };
        command.Options.Add(kubeconfig);
        command.Options.Add(installNamespace);
        command.Options.Add(output);
        command.Options.Add(files);
        command.Options.Add(services);
        command.SetAction(async (parse, ct) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            var groupFiles = parse.GetValue(files) ?? [];
            var serviceFiles = parse.GetValue(services) ?? [];
            if (groupFiles.Length == 0)
            {
                if (serviceFiles.Length > 0)
                {
                    stderr.WriteLine("purelb debug pools: --services needs --file with the ServiceGroups.");
                    return ExitProblems;
                }
                var format = parse.GetValue(output) ?? "table";
                return await LiveCluster.RunAsync("debug pools", parse.GetValue(kubeconfig), parse.GetValue(installNamespace),
                    ClusterState.Extras.None, state =>
                    {
                        var report = PoolsReportBuilder.BuildLive(state);
                        PoolsReportRenderer.Write(report, format, stdout, stderr);
                        return report.HasProblems ? ExitProblems : 0;
                    }, stderr, ct);
            }
            return Run(groupFiles, serviceFiles, parse.GetValue(installNamespace) ?? "", parse.GetValue(output) ?? "table", stdout, stderr);
        });
        return command;
    }

    /// <summary>The offline report; 0 when every object is valid, <see cref="ExitProblems"/> otherwise.</summary>
    public static int Run(IReadOnlyList<string> groupFiles, IReadOnlyList<string> serviceFiles, string installNamespace,
        string format, TextWriter output, TextWriter error)
    {
        var manifests = ManifestReader.ReadFiles(groupFiles.Concat(serviceFiles).Distinct());
        var report = PoolsReportBuilder.Build(manifests, installNamespace);
        PoolsReportRenderer.Write(report, format, output, error);
        return report.HasProblems ? ExitProblems : 0;
    }
}
