using System.Collections.Concurrent;
using System.Diagnostics;

namespace Purelb.Tests.RealClients;

/// <summary>A client tool run as its own process, its output lines captured with arrival times.</summary>
public sealed class ClientProcess : IDisposable
{
    readonly Process _p;
    readonly ConcurrentQueue<(DateTime At, string Line)> _out = new();
    readonly ConcurrentQueue<string> _err = new();
    readonly SemaphoreSlim _arrived = new(0);

    ClientProcess(Process p) => _p = p;

    public static ClientProcess Start(string file, IEnumerable<string> args, IDictionary<string, string> env, string? stdin = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        var p = new Process { StartInfo = psi };
        var cp = new ClientProcess(p);
        p.OutputDataReceived += (_, e) => { if (e.Data != null) { cp._out.Enqueue((DateTime.UtcNow, e.Data)); cp._arrived.Release(); } };
        p.ErrorDataReceived += (_, e) => { if (e.Data != null) cp._err.Enqueue(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (stdin != null) p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        return cp;
    }

    public IReadOnlyList<(DateTime At, string Line)> Lines => _out.ToArray();
    public string Stdout => string.Join("\n", _out.Select(l => l.Line));
    public string Stderr => string.Join("\n", _err);

    /// <summary>Waits for an output line matching <paramref name="match"/>; returns it and when it arrived.</summary>
    public async Task<(DateTime At, string Line)?> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, int skip = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var hit = _out.Skip(skip).FirstOrDefault(l => match(l.Line));
            if (hit.Line != null) return hit;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return null;
            await _arrived.WaitAsync(left < TimeSpan.FromMilliseconds(100) ? left : TimeSpan.FromMilliseconds(100));
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { Kill(); throw new TimeoutException($"{_p.StartInfo.FileName} {string.Join(' ', _p.StartInfo.ArgumentList)} did not finish in {timeout}"); }
        _p.WaitForExit(); // drains the asynchronous output readers
        return _p.ExitCode;
    }

    public void Kill()
    {
        try { if (!_p.HasExited) { _p.Kill(entireProcessTree: true); _p.WaitForExit(5000); } }
        catch (InvalidOperationException) { }
    }

    public void Dispose()
    {
        Kill();
        _p.Dispose();
    }
}

public sealed record ClientResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
