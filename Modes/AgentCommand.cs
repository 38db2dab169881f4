using System.CommandLine;

namespace Purelb.Modes;

public static class AgentCommand
{
    public static Command Build()
    {
        var command = new Command("agent",
            "Run the node agent (DaemonSet): elect and announce local addresses, hold remote ones on kube-lb0 and announce them over BGP.");
        command.Options.Add(CommonOptions.Kubeconfig());
        command.Options.Add(CommonOptions.Namespace());
        command.Options.Add(CommonOptions.LogLevel());
        command.Options.Add(CommonOptions.LogFormat());
        command.Options.Add(CommonOptions.MetricsAddress(":7473"));
        command.Options.Add(new Option<string?>("--node-name")
        {
            Description = "This node's name (env PURELB_NODE_NAME, NODE_NAME).",
        });
        command.SetAction(_ => NotImplemented.Report("purelb agent"));
        return command;
    }
}
