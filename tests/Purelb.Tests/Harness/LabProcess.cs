using System.Diagnostics;

namespace Purelb.Tests.Harness;

/// <summary>
/// A process the lab started (optionally inside a network namespace), its output kept in a log file.
/// `ip netns exec` execs the command in place, so the PID we hold is the command's own.
/// </summary>
public sealed class LabProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly object _gate = new();
    private readonly List<string> _lines = [];

    private LabProcess(string name, Process process, string logPath, StreamWriter log)
    {
        Name = name;
        _process = process;
        LogPath = logPath;
        _log = log;
    }

    public string Name { get; }
    public string LogPath { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;

    public static LabProcess Start(string name, string? ns, string file, IEnumerable<string> args, string logDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = ns is null ? new ProcessStartInfo(file) : new ProcessStartInfo("ip");
        if (ns is not null)
        {
            foreach (var a in new[] { "netns", "exec", ns, file }) psi.ArgumentList.Add(a);
        }
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        Directory.CreateDirectory(logDirectory);
        var logPath = Path.Combine(logDirectory, name + ".log");
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var lab = new LabProcess(name, process, logPath, log);
        process.OutputDataReceived += (_, e) => lab.Append(e.Data);
        process.ErrorDataReceived += (_, e) => lab.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return lab;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_gate)
        {
            _lines.Add(line);
            _log.WriteLine(line);
        }
    }

    public IReadOnlyList<string> Lines()
    {
        lock (_gate) return [.. _lines];
    }

    public string Tail(int count = 40)
    {
        lock (_gate) return string.Join('\n', _lines.TakeLast(count));
    }

    /// <summary>Waits until a line containing the text appears (or the process exits).</summary>
    public async Task<bool> WaitForLineAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            lock (_gate)
                if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal))) return true;
            if (_process.HasExited) return false;
            await Task.Delay(20);
        }
        return false;
    }

    public void Signal(int signal) => Shell.Run("kill", [$"-{signal}", Pid.ToString()], check: false);

    public void Kill() => Signal(9);

    /// <summary>SIGTERM, then SIGKILL if it has not exited in time.</summary>
    public bool Stop(TimeSpan grace)
    {
        if (_process.HasExited) return true;
        Signal(15);
        if (_process.WaitForExit(grace)) return true;
        Kill();
        _process.WaitForExit(TimeSpan.FromSeconds(5));
        return false;
    }

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public int ExitCode => _process.ExitCode;

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                Kill();
                _process.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }
        _process.Dispose();
        lock (_gate) _log.Dispose();
    }
}
