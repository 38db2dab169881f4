using System.Text.Json.Serialization;

namespace Purelb.Modes.Debug;

/// <summary>What `purelb debug pools` shows: every group with its ranges and use, where each Service lands, and every problem.</summary>
public sealed record PoolsReport(
    IReadOnlyList<GroupReport> Groups,
    IReadOnlyList<ServiceReport> Services,
    IReadOnlyList<ProblemReport> Problems,
    IReadOnlyList<ProblemReport> Warnings,
    IReadOnlyList<string> Notes)
{
    [JsonIgnore]
    public bool HasProblems => Problems.Count > 0;
}

/// <summary>One accepted ServiceGroup.</summary>
public sealed record GroupReport(
    string Name,
    string Namespace,
    string Type,
    string Ipam,
    IReadOnlyList<string> Namespaces,
    bool EnforceNamespaces,
    bool NamespaceDefault,
    bool MultiPool,
    bool BalancePools,
    [property: JsonPropertyName("skipIPv6DAD")] bool SkipIPv6Dad,
    [property: JsonPropertyName("ipv4")] FamilyUsage? IPv4,
    [property: JsonPropertyName("ipv6")] FamilyUsage? IPv6,
    IReadOnlyList<RangeReport> Ranges);

/// <summary>Addresses of one family of a group; exact in 128 bits, free is never negative.</summary>
public sealed record FamilyUsage(UInt128 Size, UInt128 Used, UInt128 Free);

/// <summary>One range of a group.</summary>
public sealed record RangeReport(
    string Family,
    string Range,
    string First,
    string Last,
    string Subnet,
    string Aggregation,
    UInt128 Size,
    UInt128 Used,
    UInt128 Free);

/// <summary>Where a Service lands. Status: allocated, kept (its status addresses were adopted), pending, external or skipped.</summary>
public sealed record ServiceReport(
    string Namespace,
    string Name,
    string Status,
    string? Group,
    string? Provenance,
    IReadOnlyList<string> Addresses,
    string? Reason,
    IReadOnlyList<string> Warnings);

/// <summary>A problem (or warning) with the file and object it is about.</summary>
public sealed record ProblemReport(string File, string Object, string Message)
{
    public override string ToString() => $"{File}: {Object}: {Message}";
}
