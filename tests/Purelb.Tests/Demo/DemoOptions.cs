namespace Purelb.Tests.Demo;

/// <param name="Quick">The shortest run that still shows allocation, announcement and failover (CI).</param>
/// <param name="Keep">Leave everything running until Ctrl-C.</param>
public sealed record DemoOptions(bool Quick, bool Keep)
{
    public const string Usage = "usage: ./build.sh demo [--quick] [--keep]";

    /// <summary>Null (and a message) for an argument we do not know.</summary>
    public static DemoOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        bool quick = false, keep = false;
        foreach (var a in args)
        {
            switch (a)
            {
                case "--quick": quick = true; break;
                case "--keep": keep = true; break;
                default:
                    error = $"unknown argument \"{a}\"; {Usage}";
                    return null;
            }
        }
        return new DemoOptions(quick, keep);
    }
}
