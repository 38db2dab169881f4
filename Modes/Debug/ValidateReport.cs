using System.Text.Json.Serialization;

namespace Purelb.Modes.Debug;

/// <summary>What `purelb debug validate` found: counts of what was checked, problems (exit 1) and warnings.</summary>
public sealed record ValidateReport(
    int ServiceGroups,
    int LBNodeAgents,
    int Services,
    IReadOnlyList<ProblemReport> Problems,
    IReadOnlyList<ProblemReport> Warnings,
    IReadOnlyList<string> Notes)
{
    [JsonIgnore]
    public bool HasProblems => Problems.Count > 0;
}
