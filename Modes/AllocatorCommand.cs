using System.CommandLine;

namespace Purelb.Modes;

public static class AllocatorCommand
{
    public static Command Build()
    {
        var command = new Command("allocator",
            "Run the allocator (one replica): assign addresses from ServiceGroups to LoadBalancer Services.");
        command.Options.Add(CommonOptions.Kubeconfig());
        command.Options.Add(CommonOptions.Namespace());
        command.Options.Add(CommonOptions.LogLevel());
        command.Options.Add(CommonOptions.LogFormat());
        command.Options.Add(CommonOptions.MetricsAddress(":7472"));
        command.SetAction(_ => NotImplemented.Report("purelb allocator"));
        return command;
    }
}
