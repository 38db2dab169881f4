using System.Diagnostics;

namespace Purelb.Tests.Harness;

/// <summary>Runs a command and returns what it printed; a non-zero exit is an exception naming the command.</summary>
public static class Shell
{
    public static string Run(string file, params string[] args) => Run(file, args, check: true).StdOut;

    public static (int ExitCode, string StdOut, string StdErr) Run(string file, IEnumerable<string> args, bool check,
        TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', psi.ArgumentList)} did not finish");
        }
        var result = (p.ExitCode, stdout.Result, stderr.Result);
        if (check && p.ExitCode != 0)
            throw new InvalidOperationException(
                $"{file} {string.Join(' ', psi.ArgumentList)} exited {p.ExitCode}: {result.Item3.Trim()} {result.Item2.Trim()}");
        return result;
    }

    /// <summary>`ip` inside a network namespace (or the caller's when ns is null).</summary>
    public static string Ip(string? ns, params string[] args) =>
        ns is null ? Run("ip", args) : Run("ip", ["-n", ns, .. args], check: true).StdOut;

    public static bool IsRoot => Environment.UserName == "root" || geteuid() == 0;

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();
}
