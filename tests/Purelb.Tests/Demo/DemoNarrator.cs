using System.Diagnostics;

namespace Purelb.Tests.Demo;

/// <summary>Plain narration lines, each stamped with the seconds since the demo began.</summary>
public sealed class DemoNarrator(TextWriter output)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _gate = new();

    public void Say(string line)
    {
        lock (_gate) output.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:F1}s] {line}");
    }

    /// <summary>A step heading, set apart from the lines under it.</summary>
    public void Step(string title) => Say("== " + title);
}
