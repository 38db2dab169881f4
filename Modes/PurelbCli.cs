using System.CommandLine;
using Purelb.Modes.Memory;

namespace Purelb.Modes;

/// <summary>The command tree of the one purelb binary; each subcommand is a mode.</summary>
public static class PurelbCli
{
    /// <param name="residency">The process's page residency, for the long-running modes to settle once started;
    /// when absent (tests that only parse) the kernel's fault-around is left alone.</param>
    public static RootCommand Build(PageResidency? residency = null)
    {
        residency ??= PageResidency.Start("kernel");
        var root = new RootCommand(
            "purelb: addresses for type LoadBalancer Services on bare-metal Kubernetes.");
        root.Subcommands.Add(AllocatorCommand.Build(residency));
        root.Subcommands.Add(AgentCommand.Build(residency));
        root.Subcommands.Add(DebugCommand.Build());
        root.Subcommands.Add(VersionCommand.Build());
        return root;
    }
}
