using System.CommandLine;
using System.Reflection;

namespace Purelb.Modes;

public static class VersionCommand
{
    public static string Version =>
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "unknown";

    public static Command Build()
    {
        var command = new Command("version", "Print the purelb version.");
        command.SetAction(_ =>
        {
            Console.WriteLine($"purelb {Version}");
            return 0;
        });
        return command;
    }
}
