namespace Purelb.Modes.Debug;

/// <summary>Prints a <see cref="ValidateReport"/>: one line per problem and warning, then a summary.</summary>
public static class ValidateReportRenderer
{
    public static void Write(ValidateReport report, string format, TextWriter output)
    {
        if (StructuredOutput.TryWrite(report, DebugJsonContext.Default.ValidateReport, format, output))
        {
            return;
        }
        var colour = ReportText.UseColour(output);
        foreach (var problem in report.Problems)
        {
            output.WriteLine($"{(colour ? ReportText.Red("error") : "error")}: {problem}");
        }
        foreach (var warning in report.Warnings)
        {
            output.WriteLine($"{(colour ? ReportText.Yellow("warning") : "warning")}: {warning}");
        }
        foreach (var note in report.Notes)
        {
            output.WriteLine($"note: {note}");
        }
        var checkedText = $"{report.ServiceGroups} ServiceGroup(s), {report.LBNodeAgents} LBNodeAgent(s), {report.Services} Service(s) checked";
        output.WriteLine(report.HasProblems
            ? $"{checkedText}: {report.Problems.Count} problem(s)."
            : $"{checkedText}: no problems.");
    }
}
