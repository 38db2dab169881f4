using System.Text.RegularExpressions;

namespace Purelb.Kube.Crd;

/// <summary>
/// The checks deploy/crds/purelb.io_servicegroups.yaml makes the API server do (OpenAPI and CEL), for
/// objects that never went through one: files given to `purelb debug pools --file`. Range syntax,
/// containment and overlaps are the address manager's checks, not these.
/// </summary>
public static partial class ServiceGroupRules
{
    public const int MaxNamespaces = 1024;
    public const int MaxPoolsPerFamily = 1024;

    /// <summary>Every violation, each naming the field it is about; empty when the object is acceptable.</summary>
    public static IReadOnlyList<string> Check(ServiceGroup group)
    {
        var problems = new List<string>();
        if (string.IsNullOrEmpty(group.Metadata?.Name))
        {
            problems.Add("metadata.name: required");
        }
        var spec = group.Spec;
        if (spec is null)
        {
            problems.Add("spec: required");
            return problems;
        }
        var kinds = (spec.Local is null ? 0 : 1) + (spec.Remote is null ? 0 : 1) + (spec.External is null ? 0 : 1)
            + (spec.Netbox is null ? 0 : 1);
        if (kinds != 1)
        {
            problems.Add("spec: exactly one of local, remote, external, or netbox must be specified");
        }
        var hasNamespaces = spec.Namespaces is { Count: > 0 };
        if (spec.EnforceNamespaces == true && !hasNamespaces)
        {
            problems.Add("spec.enforceNamespaces: requires a non-empty namespaces list");
        }
        if (spec.NamespaceDefault == true && !hasNamespaces)
        {
            problems.Add("spec.namespaceDefault: requires a non-empty namespaces list");
        }
        if (spec.Namespaces is { } namespaces)
        {
            if (namespaces.Count > MaxNamespaces)
            {
                problems.Add($"spec.namespaces: at most {MaxNamespaces} items, found {namespaces.Count}");
            }
            for (var i = 0; i < namespaces.Count; i++)
            {
                if (namespaces[i] is not { Length: <= 63 } ns || !Dns1123Label().IsMatch(ns))
                {
                    problems.Add($"spec.namespaces[{i}]: \"{namespaces[i]}\" is not a valid namespace name");
                }
            }
        }
        if (spec.Local is { } local)
        {
            CheckPools("spec.local", local.V4Pool, local.V6Pool, local.V4Pools, local.V6Pools, problems);
            CheckFlags("spec.local", local.MultiPool, local.BalancePools, problems);
        }
        if (spec.Remote is { } remote)
        {
            CheckPools("spec.remote", remote.V4Pool, remote.V6Pool, remote.V4Pools, remote.V6Pools, problems);
            CheckFlags("spec.remote", remote.MultiPool, remote.BalancePools, problems);
        }
        if (spec.External is { } external)
        {
            if (string.IsNullOrEmpty(external.Provider))
            {
                problems.Add("spec.external.provider: required");
            }
            if (external.Announce is not ("local" or "remote"))
            {
                problems.Add(external.Announce is null
                    ? "spec.external.announce: required (local or remote)"
                    : $"spec.external.announce: must be \"local\" or \"remote\", got \"{external.Announce}\"");
            }
            if (!string.IsNullOrEmpty(external.Socket) && !external.Socket.StartsWith('/'))
            {
                problems.Add($"spec.external.socket: must be an absolute path, got \"{external.Socket}\"");
            }
        }
        return problems;
    }

    private static void CheckFlags(string path, bool? multiPool, bool? balancePools, List<string> problems)
    {
        if (multiPool == true && balancePools == true)
        {
            problems.Add($"{path}: multiPool and balancePools cannot both be true");
        }
    }

    private static void CheckPools(string path, AddressPool? v4, AddressPool? v6, IList<AddressPool>? v4s, IList<AddressPool>? v6s, List<string> problems)
    {
        if (v4 is not null)
        {
            CheckPool($"{path}.v4pool", v4, isV4: true, problems);
        }
        if (v6 is not null)
        {
            CheckPool($"{path}.v6pool", v6, isV4: false, problems);
        }
        CheckList($"{path}.v4pools", v4s, isV4: true, problems);
        CheckList($"{path}.v6pools", v6s, isV4: false, problems);
    }

    private static void CheckList(string path, IList<AddressPool>? pools, bool isV4, List<string> problems)
    {
        if (pools is null)
        {
            return;
        }
        if (pools.Count > MaxPoolsPerFamily)
        {
            problems.Add($"{path}: at most {MaxPoolsPerFamily} items, found {pools.Count}");
        }
        for (var i = 0; i < pools.Count; i++)
        {
            if (pools[i] is null)
            {
                problems.Add($"{path}[{i}]: must be an object with pool and subnet");
                continue;
            }
            CheckPool($"{path}[{i}]", pools[i], isV4, problems);
        }
    }

    private static void CheckPool(string path, AddressPool pool, bool isV4, List<string> problems)
    {
        if (string.IsNullOrEmpty(pool.Pool))
        {
            problems.Add($"{path}.pool: required");
        }
        if (string.IsNullOrEmpty(pool.Subnet))
        {
            problems.Add($"{path}.subnet: required");
        }
        if (pool.Aggregation is { } aggregation)
        {
            if (!AggregationPattern().IsMatch(aggregation))
            {
                problems.Add($"{path}.aggregation: must be \"default\" or /8 to /128, got \"{aggregation}\"");
            }
            else if (isV4 && aggregation != "default" && int.Parse(aggregation.AsSpan(1)) > 32)
            {
                problems.Add($"{path}.aggregation: an IPv4 aggregation cannot be longer than /32, got \"{aggregation}\"");
            }
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^(default|/([89]|[1-9][0-9]|1[01][0-9]|12[0-8]))$")]
    private static partial Regex AggregationPattern();
}
