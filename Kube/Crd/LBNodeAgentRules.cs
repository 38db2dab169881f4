using System.Text.RegularExpressions;

namespace Purelb.Kube.Crd;

/// <summary>
/// The checks deploy/crds/purelb.io_lbnodeagents.yaml makes the API server do, for objects read from
/// files. Whether localInterface is a valid regular expression is the agent's check, not this one.
/// </summary>
public static partial class LBNodeAgentRules
{
    public const int MaxInterfaceNameLength = 15;

    private static readonly string[] SelectorOperators = ["In", "NotIn", "Exists", "DoesNotExist"];

    /// <summary>Every violation, each naming the field it is about; empty when the object is acceptable.</summary>
    public static IReadOnlyList<string> Check(LBNodeAgent agent)
    {
        var problems = new List<string>();
        if (string.IsNullOrEmpty(agent.Metadata?.Name))
        {
            problems.Add("metadata.name: required");
        }
        if (agent.Spec?.NodeSelector?.MatchExpressions is { } expressions)
        {
            for (var i = 0; i < expressions.Count; i++)
            {
                var e = expressions[i];
                if (string.IsNullOrEmpty(e?.Key))
                {
                    problems.Add($"spec.nodeSelector.matchExpressions[{i}].key: required");
                }
                if (e?.OperatorProperty is not { } op || !SelectorOperators.Contains(op))
                {
                    problems.Add($"spec.nodeSelector.matchExpressions[{i}].operator: must be one of {string.Join(", ", SelectorOperators)}");
                }
            }
        }
        if (agent.Spec?.Local is not { } local)
        {
            return problems;
        }
        if (local.DummyInterface is { } dummy && dummy.Length is 0 or > MaxInterfaceNameLength)
        {
            problems.Add($"spec.local.dummyInterface: must be 1 to {MaxInterfaceNameLength} characters, got \"{dummy}\"");
        }
        if (local.Interfaces is { } interfaces)
        {
            for (var i = 0; i < interfaces.Count; i++)
            {
                if (interfaces[i] is not { Length: > 0 and <= MaxInterfaceNameLength })
                {
                    problems.Add($"spec.local.interfaces[{i}]: must be 1 to {MaxInterfaceNameLength} characters, got \"{interfaces[i]}\"");
                }
            }
        }
        if (local.GarpConfig is { } garp)
        {
            CheckDuration("spec.local.garpConfig.initialDelay", garp.InitialDelay, problems);
            CheckDuration("spec.local.garpConfig.interval", garp.Interval, problems);
            if (garp.Count is < GarpConfig.MinCount or > GarpConfig.MaxCount)
            {
                problems.Add($"spec.local.garpConfig.count: must be {GarpConfig.MinCount} to {GarpConfig.MaxCount}, got {garp.Count}");
            }
        }
        CheckLifetimes("spec.local.addressConfig.localInterface", local.AddressConfig?.LocalInterface, problems);
        CheckLifetimes("spec.local.addressConfig.dummyInterface", local.AddressConfig?.DummyInterface, problems);
        return problems;
    }

    private static void CheckDuration(string path, string? value, List<string> problems)
    {
        if (value is not null && !GoDuration().IsMatch(value))
        {
            problems.Add($"{path}: \"{value}\" is not a duration such as 100ms or 1.5s");
        }
    }

    private static void CheckLifetimes(string path, InterfaceAddressConfig? config, List<string> problems)
    {
        if (config?.ValidLifetime < 0)
        {
            problems.Add($"{path}.validLifetime: must be 0 or more, got {config.ValidLifetime}");
        }
        if (config?.PreferredLifetime < 0)
        {
            problems.Add($"{path}.preferredLifetime: must be 0 or more, got {config.PreferredLifetime}");
        }
    }

    [GeneratedRegex(@"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")]
    private static partial Regex GoDuration();
}
