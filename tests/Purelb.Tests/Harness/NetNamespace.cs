namespace Purelb.Tests.Harness;

/// <summary>A network namespace this test run created; deleting it removes its links and addresses.</summary>
public sealed class NetNamespace : IDisposable
{
    private NetNamespace(string name) => Name = name;

    public string Name { get; }

    public static NetNamespace Create(string name)
    {
        // A leftover from a crashed run of the same name would make `add` fail; names carry a random
        // suffix, so this only ever removes our own debris.
        Shell.Run("ip", ["netns", "del", name], check: false);
        Shell.Run("ip", "netns", "add", name);
        var ns = new NetNamespace(name);
        ns.Ip("link", "set", "lo", "up");
        return ns;
    }

    public string Ip(params string[] args) => Shell.Ip(Name, args);

    /// <summary>Runs a command inside the namespace.</summary>
    public (int ExitCode, string StdOut, string StdErr) Exec(bool check, params string[] command) =>
        Shell.Run("ip", ["netns", "exec", Name, .. command], check);

    public void Sysctl(string key, string value) => Exec(true, "sysctl", "-qw", $"{key}={value}");

    public void Dispose() => Shell.Run("ip", ["netns", "del", Name], check: false);

    public override string ToString() => Name;

    /// <summary>A short unique prefix, so concurrent or leftover runs never collide.</summary>
    public static string UniquePrefix(string area) => $"plb-{area}-{Guid.NewGuid().ToString("N")[..6]}";
}
