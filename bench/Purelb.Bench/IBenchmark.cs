namespace Purelb.Bench;

/// <summary>A group of related figures. Each benchmark cleans up everything it starts.</summary>
public interface IBenchmark
{
    /// <summary>The report names this benchmark produces; `--only` selects by any of them or by Group.</summary>
    IReadOnlyList<string> Names { get; }

    string Group { get; }

    Task<IReadOnlyList<BenchResult>> RunAsync(BenchContext context, CancellationToken cancellationToken);
}

/// <param name="Root">The repository root.</param>
/// <param name="Binary">The published native-AOT purelb binary.</param>
/// <param name="TrialsOverride">From <c>--trials</c>: run this many trials instead of the group's own count.</param>
public sealed record BenchContext(string Root, string Binary, int? TrialsOverride = null)
{
    public int Trials(int standard) => TrialsOverride is > 0 and var n ? n : standard;
}
