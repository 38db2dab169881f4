using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Purelb.Bench;

/// <summary>Writes bench/report.md and bench/report.json and prints the table.</summary>
public static class ReportWriter
{
    public static string Markdown(IReadOnlyList<BenchResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| name | median | min–max | unit | trials | goal | baseline | ratio | baseline source |");
        sb.AppendLine("|---|---:|---:|---|---:|---|---:|---:|---|");
        foreach (var r in results)
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"| {r.Name} | {F(r.Median)} | {F(r.Min)}–{F(r.Max)} | {r.Unit} | {r.Trials} | {GoalCell(r)} | ");
            sb.Append(CultureInfo.InvariantCulture,
                $"{(r.Baseline is { } b ? F(b) : "")} | {(r.Ratio is { } x ? R(x) + "×" : "")} | {r.BaselineSource} |");
            sb.AppendLine();
        }
        var missed = results.Where(r => r.MissedGoal == true).Select(r => r.Name).ToList();
        sb.AppendLine();
        sb.AppendLine(missed.Count == 0
            ? "Every figure with a goal met it (medians)."
            : $"**Missed their goal ({missed.Count}):** {string.Join(", ", missed)}.");
        return sb.ToString();
    }

    /// <summary>"≤ 50 ✓", or "≤ 50 **✗ missed**"; empty without a goal.</summary>
    private static string GoalCell(BenchResult r)
    {
        if (r.EffectiveGoal is not { } g) return "";
        var direction = r.HigherIsBetter || r.Unit.EndsWith("/s", StringComparison.Ordinal) ? "≥" : "≤";
        return $"{direction} {F(g)} {(r.MissedGoal == true ? "**✗ missed**" : "✓")}";
    }

    public static string Json(IReadOnlyList<BenchResult> results)
    {
        var array = new JsonArray();
        foreach (var r in results)
        {
            array.Add(new JsonObject
            {
                ["name"] = r.Name,
                ["median"] = r.Median,
                ["min"] = r.Min,
                ["max"] = r.Max,
                ["unit"] = r.Unit,
                ["trials"] = r.Trials,
                ["baseline"] = r.Baseline,
                ["baseline_source"] = r.BaselineSource,
                ["ratio"] = r.Ratio,
                ["goal"] = r.EffectiveGoal,
                ["missed_goal"] = r.MissedGoal,
            });
        }
        return array.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>A ratio with two significant digits at least, so 0.004× does not print as 0.00×.</summary>
    private static string R(double x) =>
        x >= 0.1 ? x.ToString("0.00", CultureInfo.InvariantCulture) : x.ToString("0.00##", CultureInfo.InvariantCulture);

    private static string F(double v) =>
        Math.Abs(v) >= 1000 ? v.ToString("0", CultureInfo.InvariantCulture) : v.ToString("0.###", CultureInfo.InvariantCulture);
}
