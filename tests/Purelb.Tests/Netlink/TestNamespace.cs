using System.Diagnostics;
using System.Text.Json;
using Purelb.Netlink;

namespace Purelb.Tests.Netlink;

/// <summary>
/// A throw-away network namespace (`plb-nl-&lt;6 hex&gt;`) made with `ip netns add`, with helpers to run `ip` inside it.
/// IPv6 DAD is off by default so link-local sources are usable at once. Deleted on dispose, even after failures.
/// </summary>
public sealed class TestNamespace : IDisposable
{
    public TestNamespace(bool disableDad = true)
    {
        Name = "plb-nl-" + Convert.ToHexString(Guid.NewGuid().ToByteArray().AsSpan(0, 3)).ToLowerInvariant();
        Run("ip", "netns", "add", Name);
        try
        {
            Ip("link set lo up");
            if (disableDad)
            {
                Exec("sysctl -qw net.ipv6.conf.all.accept_dad=0");
                Exec("sysctl -qw net.ipv6.conf.default.accept_dad=0");
            }
            Namespace = NetworkNamespace.Open(Name);
        }
        catch
        {
            Run("ip", "netns", "del", Name);
            throw;
        }
    }

    public string Name { get; }

    public NetworkNamespace Namespace { get; }

    /// <summary>Runs `ip -n NAME args` and returns stdout; throws on a non-zero exit.</summary>
    public string Ip(string args) => Run("ip", ["-n", Name, .. Split(args)]);

    /// <summary>Runs a command inside the namespace (`ip netns exec`).</summary>
    public string Exec(string command) => Run("ip", ["netns", "exec", Name, .. Split(command)]);

    public JsonElement IpJson(string args) => JsonDocument.Parse(Run("ip", ["-j", "-n", Name, .. Split(args)])).RootElement;

    public int IfIndex(string device) => IpJson("link show dev " + device)[0].GetProperty("ifindex").GetInt32();

    /// <summary>The `addr_info` entries of `ip -j addr show dev DEVICE`.</summary>
    public List<JsonElement> Addresses(string device)
    {
        var result = new List<JsonElement>();
        foreach (var link in IpJson("addr show dev " + device).EnumerateArray())
            foreach (var a in link.GetProperty("addr_info").EnumerateArray()) result.Add(a.Clone());
        return result;
    }

    public JsonElement? Address(string device, string local) =>
        Addresses(device).Cast<JsonElement?>().FirstOrDefault(a => a!.Value.GetProperty("local").GetString() == local);

    public static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {stderr}");
        return stdout.Result;
    }

    private static string[] Split(string args) => args.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public void Dispose()
    {
        Namespace?.Dispose();
        try
        {
            Run("ip", "netns", "del", Name);
        }
        catch (InvalidOperationException)
        {
            // Already gone; nothing to clean.
        }
    }
}
