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
public sealed record BenchContext(string Root, string Binary);
