using System.Text.Json;
using Purelb.Kube.Yaml;

namespace Purelb.Modes.Debug;

/// <summary>Prints a <see cref="PoolsReport"/> as tables, JSON or YAML; problems and warnings go to the error stream.</summary>
public static class PoolsReportRenderer
{
    public static readonly string[] Formats = ["table", "json", "yaml"];

    public static void Write(PoolsReport report, string format, TextWriter output, TextWriter error)
    {
        switch (format)
        {
            case "json":
                output.WriteLine(JsonSerializer.Serialize(report, DebugJsonContext.Default.PoolsReport));
                break;
            case "yaml":
                output.Write(YamlWriter.Write(JsonSerializer.SerializeToNode(report, DebugJsonContext.Default.PoolsReport)));
                break;
            default:
                WriteTables(report, output);
                break;
        }
        foreach (var warning in report.Warnings)
        {
            error.WriteLine($"warning: {warning}");
        }
        foreach (var problem in report.Problems)
        {
            error.WriteLine($"error: {problem}");
        }
        if (report.HasProblems)
        {
            error.WriteLine($"{report.Problems.Count} problem(s) found.");
        }
    }

    private static void WriteTables(PoolsReport report, TextWriter output)
    {
        var colour = ReportText.UseColour(output);
        var groups = new TextTable("SERVICEGROUP", "NAMESPACE", "TYPE", "FAMILY", "SIZE", "USED", "FREE", "UTILISATION");
        var groupLevels = new List<int>();
        foreach (var group in report.Groups)
        {
            var families = new List<(string Family, FamilyUsage Usage)>();
            if (group.IPv4 is { } v4)
            {
                families.Add(("IPv4", v4));
            }
            if (group.IPv6 is { } v6)
            {
                families.Add(("IPv6", v6));
            }
            if (families.Count == 0)
            {
                groups.Add(group.Name, group.Namespace, group.Type, "-", "-", "-", "-", "-");
                groupLevels.Add(0);
            }
            foreach (var (family, usage) in families)
            {
                groups.Add(group.Name, group.Namespace, group.Type, family,
                    ReportText.Count(usage.Size), ReportText.Count(usage.Used), ReportText.Count(usage.Free), ReportText.Bar(usage.Used, usage.Size));
                groupLevels.Add(ReportText.Percent(usage.Used, usage.Size));
            }
        }
        if (colour)
        {
            groups.Colour = (row, column, cell) => column == "UTILISATION" ? ReportText.ByLevel(groupLevels[row], cell) : cell;
        }
        groups.WriteTo(output);

        output.WriteLine();
        var settings = new TextTable("SERVICEGROUP", "IPAM", "OPTIONS", "SERVES");
        foreach (var group in report.Groups)
        {
            settings.Add(group.Name, group.Ipam, Options(group), group.Namespaces.Count == 0 ? "*" : string.Join(",", group.Namespaces));
        }
        settings.WriteTo(output);

        var ranges = new TextTable("SERVICEGROUP", "FAMILY", "RANGE", "SIZE", "USED", "FREE", "UTILISATION", "SUBNET", "AGGREGATION")
            .Optional("AGGREGATION", "SUBNET");
        var rangeLevels = new List<int>();
        foreach (var group in report.Groups)
        {
            foreach (var range in group.Ranges)
            {
                ranges.Add(group.Name, range.Family, range.Range, ReportText.Count(range.Size), ReportText.Count(range.Used),
                    ReportText.Count(range.Free), ReportText.Bar(range.Used, range.Size), range.Subnet, range.Aggregation);
                rangeLevels.Add(ReportText.Percent(range.Used, range.Size));
            }
        }
        if (colour)
        {
            ranges.Colour = (row, column, cell) => column == "UTILISATION" ? ReportText.ByLevel(rangeLevels[row], cell) : cell;
        }
        if (ranges.RowCount > 0)
        {
            output.WriteLine();
            ranges.WriteTo(output);
        }

        if (report.Services.Count > 0)
        {
            var services = new TextTable("SERVICE", "STATUS", "SERVICEGROUP", "ADDRESSES", "WHY");
            foreach (var service in report.Services)
            {
                var why = service.Reason ?? service.Provenance ?? "";
                if (service.Warnings.Count > 0)
                {
                    why = string.Join("; ", [why, .. service.Warnings]).TrimStart(';', ' ');
                }
                services.Add($"{service.Namespace}/{service.Name}", service.Status, service.Group ?? "-",
                    service.Addresses.Count == 0 ? "-" : string.Join(",", service.Addresses), why);
            }
            output.WriteLine();
            services.WriteTo(output);
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

    private static string Options(GroupReport group)
    {
        var options = new List<string>();
        if (group.EnforceNamespaces)
        {
            options.Add("enforceNamespaces");
        }
        if (group.NamespaceDefault)
        {
            options.Add("namespaceDefault");
        }
        if (group.MultiPool)
        {
            options.Add("multiPool");
        }
        if (group.BalancePools)
        {
            options.Add("balancePools");
        }
        if (group.SkipIPv6Dad)
        {
            options.Add("skipIPv6DAD");
        }
        return options.Count == 0 ? "-" : string.Join(",", options);
    }
}
