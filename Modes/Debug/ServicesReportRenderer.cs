namespace Purelb.Modes.Debug;

/// <summary>Prints a <see cref="ServicesReport"/>: one table row per address, then every problem per Service.</summary>
public static class ServicesReportRenderer
{
    public static void Write(ServicesReport report, string format, TextWriter output)
    {
        if (StructuredOutput.TryWrite(report, DebugJsonContext.Default.ServicesReport, format, output))
        {
            return;
        }
        var colour = ReportText.UseColour(output);
        if (report.Services.Count == 0)
        {
            output.WriteLine("No LoadBalancer Services for purelb.");
        }
        else
        {
            var table = new TextTable("SERVICE", "SERVICEGROUP", "TYPE", "ADDRESS", "ANNOUNCED BY");
            foreach (var service in report.Services)
            {
                var name = $"{service.Namespace}/{service.Name}";
                if (service.Addresses.Count == 0)
                {
                    table.Add(name, service.Group ?? "-", service.PoolType ?? "-", "<none>", "-");
                }
                foreach (var address in service.Addresses)
                {
                    table.Add(name, address.Pool ?? service.Group ?? "-", address.Announcement ?? "-", address.Address, Announcers(address));
                }
            }
            if (colour)
            {
                table.Colour = (_, column, cell) => column == "ADDRESS" && cell.StartsWith("<none>", StringComparison.Ordinal) ? ReportText.Red(cell) : cell;
            }
            table.WriteTo(output);
        }
        var troubled = report.Services.Where(s => s.Problems.Count > 0).ToList();
        if (troubled.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(colour ? ReportText.Red("Problems:") : "Problems:");
            foreach (var service in troubled)
            {
                foreach (var problem in service.Problems)
                {
                    foreach (var line in ReportText.Wrap(problem, TextTable.DefaultMaxWidth, $"  {service.Namespace}/{service.Name}: ", "      "))
                    {
                        output.WriteLine(line);
                    }
                }
            }
        }
        foreach (var note in report.Notes)
        {
            output.WriteLine();
            foreach (var line in ReportText.Wrap(note, TextTable.DefaultMaxWidth, "Note: ", "      "))
            {
                output.WriteLine(line);
            }
        }
    }

    private static string Announcers(AddressReport address)
    {
        if (address.AnnouncedBy.Count == 0)
        {
            return "-";
        }
        return string.Join(",", address.AnnouncedBy.Select(a => a.Interface is null ? a.Node : $"{a.Node}/{a.Interface}"));
    }
}
