using System.CommandLine;

namespace Purelb.Modes;

/// <summary>`purelb debug …`: the operator's view of what the daemons decide, from a cluster or from files.</summary>
public static class DebugCommand
{
    public static Command Build()
    {
        var command = new Command("debug", "Inspect pools, services and elections, against a cluster or files.");
        command.Subcommands.Add(DebugPoolsCommand.Build());
        command.Subcommands.Add(DebugServicesCommand.Build());
        command.Subcommands.Add(DebugElectionCommand.Build());
        command.Subcommands.Add(DebugValidateCommand.Build());
        return command;
    }
}
