namespace Purelb.Bench;

/// <summary>One figure of the report: the median of its trials, their spread, and the baseline it is judged against.</summary>
/// <param name="Baseline">The figure we compare with (a goal, or a measured peer), in the same unit.</param>
/// <param name="BaselineSource">Where the baseline comes from: "goal", "measured here", or a publication.</param>
public sealed record BenchResult(
    string Name, double Median, double Min, double Max, string Unit, int Trials,
    double? Baseline, string? BaselineSource)
{
    /// <summary>Ours divided by the baseline.</summary>
    public double? Ratio => Baseline is { } b && b != 0 ? Median / b : null;

    /// <summary>The goal the median must meet when it differs from the baseline (e.g. a goal beside a peer's published figure).</summary>
    public double? Goal { get; init; }

    /// <summary>Whether a larger figure is better; by default, throughputs (units ending in "/s").</summary>
    public bool HigherIsBetter { get; init; } = false;

    /// <summary>The goal that applies: <see cref="Goal"/>, else the baseline when the baseline is itself the goal.</summary>
    public double? EffectiveGoal => Goal ?? (BaselineSource == "goal" ? Baseline : null);

    /// <summary>True when the median misses <see cref="EffectiveGoal"/>; null when there is no goal.</summary>
    public bool? MissedGoal => EffectiveGoal is not { } g ? null
        : HigherIsBetter || Unit.EndsWith("/s", StringComparison.Ordinal) ? Median < g : Median > g;

    public static BenchResult FromTrials(string name, IReadOnlyList<double> trials, string unit,
        double? baseline, string? baselineSource)
    {
        if (trials.Count == 0) throw new ArgumentException("no trials", nameof(trials));
        var sorted = trials.Order().ToArray();
        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return new BenchResult(name, median, sorted[0], sorted[^1], unit, sorted.Length, baseline, baselineSource);
    }
}
