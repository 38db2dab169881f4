namespace Purelb.Bench.Lab;

/// <summary>
/// <c>PURELB_BENCH_PAUSE=SECONDS</c> holds a group at the moment its memory is read, naming the processes, so a heap
/// dump (<c>dotnet-dump collect -p PID --type Heap</c>, with the binary run on the JIT runtime through
/// <c>--binary</c>) or /proc/PID/smaps can be taken of exactly the state the figure describes.
/// </summary>
public static class DumpPause
{
    public static async Task IfAskedAsync(IEnumerable<(string Name, int Pid)> processes, CancellationToken ct)
    {
        if (Environment.GetEnvironmentVariable("PURELB_BENCH_PAUSE") is not { } text || !int.TryParse(text, out var seconds))
            return;
        foreach (var (name, pid) in processes) Console.Error.WriteLine($"    paused for {seconds} s: {name} pid {pid}");
        await Task.Delay(TimeSpan.FromSeconds(seconds), ct);
    }
}
