namespace Purelb.Modes;

/// <summary>The exit path for a mode whose issue has not landed yet: a clear message, never a crash.</summary>
public static class NotImplemented
{
    public const int ExitCode = 2;

    public static int Report(string what)
    {
        Console.Error.WriteLine($"purelb: {what} is not implemented yet.");
        return ExitCode;
    }
}
