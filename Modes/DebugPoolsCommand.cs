using System.CommandLine;

namespace Purelb.Modes;

public static class DebugPoolsCommand
{
    public static Command Build()
    {
        var command = new Command("pools", "Each ServiceGroup and pool: type, ranges, size, used, free; and which address each Service would get.");
        command.Options.Add(CommonOptions.Kubeconfig());
        command.Options.Add(CommonOptions.Namespace());
        command.Options.Add(CommonOptions.Output());
        command.Options.Add(new Option<string[]>("--file", "-f")
        {
            Description = "Read ServiceGroups from YAML/JSON files instead of a cluster.",
            AllowMultipleArgumentsPerToken = true,
        });
        command.Options.Add(new Option<string[]>("--services")
        {
            Description = "With --file: Services (YAML/JSON) to place into the pools.",
            AllowMultipleArgumentsPerToken = true,
        });
        command.SetAction(_ => NotImplemented.Report("purelb debug pools"));
        return command;
    }
}
