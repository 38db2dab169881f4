using System.CommandLine;

namespace Purelb.Modes;

/// <summary>`purelb debug …`: the operator's view of what the daemons decide, from a cluster or from files.</summary>
public static class DebugCommand
{
    public static Command Build()
    {
        var command = new Command("debug", "Inspect pools, services and elections, against a cluster or files.");
        command.Subcommands.Add(DebugPoolsCommand.Build());
        command.Subcommands.Add(Leaf("services", "Each LoadBalancer Service: addresses, group, pool, announcing nodes, problems."));
        command.Subcommands.Add(Leaf("election", "Live election members, their subnets and lease age; the winner for an address."));
        command.Subcommands.Add(Leaf("validate", "Check every ServiceGroup and LBNodeAgent; exit 1 on problems."));
        return command;
    }

    private static Command Leaf(string name, string description)
    {
        var command = new Command(name, description);
        command.Options.Add(CommonOptions.Kubeconfig());
        command.Options.Add(CommonOptions.Namespace());
        command.Options.Add(CommonOptions.Output());
        command.SetAction(_ => NotImplemented.Report($"purelb debug {name}"));
        return command;
    }
}
