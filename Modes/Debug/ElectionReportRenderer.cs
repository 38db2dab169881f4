namespace Purelb.Modes.Debug;

/// <summary>Prints an <see cref="ElectionReport"/>: members with subnets and lease age, then the ranking for the asked address.</summary>
public static class ElectionReportRenderer
{
    public static void Write(ElectionReport report, string format, TextWriter output)
    {
        if (StructuredOutput.TryWrite(report, DebugJsonContext.Default.ElectionReport, format, output))
        {
            return;
        }
        var colour = ReportText.UseColour(output);
        if (report.Members.Count == 0)
        {
            output.WriteLine($"No node agent Leases (purelb-node-*) in namespace {report.Namespace}.");
        }
        else
        {
            var table = new TextTable("NODE", "STATE", "AGE", "DURATION", "SUBNETS");
            foreach (var member in report.Members)
            {
                table.Add(member.Node, member.Live ? "live" : "expired", ReportText.Age(TimeSpan.FromSeconds(member.AgeSeconds)),
                    $"{member.DurationSeconds}s", member.Subnets.Count == 0 ? "-" : string.Join(",", member.Subnets));
            }
            if (colour)
            {
                table.Colour = (_, column, cell) => column != "STATE" ? cell : cell.StartsWith("live", StringComparison.Ordinal) ? ReportText.Green(cell) : ReportText.Red(cell);
            }
            table.WriteTo(output);
            output.WriteLine($"{report.Members.Count(m => m.Live)} of {report.Members.Count} members live.");
        }
        var warnings = report.Members.SelectMany(m => m.Warnings).Concat(report.Ignored.Select(i => $"lease {i.Lease} ignored: {i.Reason}")).ToList();
        if (warnings.Count > 0)
        {
            output.WriteLine();
            foreach (var warning in warnings)
            {
                output.WriteLine($"warning: {warning}");
            }
        }
        if (report.Address is { } address)
        {
            output.WriteLine();
            output.WriteLine($"Address {address.Address} (election key \"{address.Key}\")" +
                (address.Services.Count > 0 ? $", held by {string.Join(", ", address.Services)}" : ""));
            if (address.Winner is null)
            {
                output.WriteLine("No live node advertises a subnet containing it: no node announces it.");
                return;
            }
            output.WriteLine($"Winner: {address.Winner}");
            var ranking = new TextTable("RANK", "NODE");
            for (var i = 0; i < address.Ranking.Count; i++)
            {
                ranking.Add((i + 1).ToString(), address.Ranking[i]);
            }
            ranking.WriteTo(output);
        }
    }
}
