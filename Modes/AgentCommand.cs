using System.CommandLine;

namespace Purelb.Modes;

public static class AgentCommand
{
    public static Command Build()
    {
        var options = new AgentOptions();
        var command = options.Build();
        command.SetAction(_ => NotImplemented.Report("purelb agent"));
        return command;
    }
}
