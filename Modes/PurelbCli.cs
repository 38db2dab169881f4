using System.CommandLine;

namespace Purelb.Modes;

/// <summary>The command tree of the one purelb binary; each subcommand is a mode.</summary>
public static class PurelbCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand(
            "purelb: addresses for type LoadBalancer Services on bare-metal Kubernetes.");
        root.Subcommands.Add(AllocatorCommand.Build());
        root.Subcommands.Add(AgentCommand.Build());
        root.Subcommands.Add(DebugCommand.Build());
        root.Subcommands.Add(VersionCommand.Build());
        return root;
    }
}
