using System.Text.RegularExpressions;
using Purelb.Ipam.Netbox;

namespace Purelb.Ipam;

/// <summary>
/// Turns ServiceGroups into pools (§2.5), in (namespace, name) order so the outcome does not depend on
/// delivery order. A group with any problem is dropped as a whole, and all its problems are reported,
/// not just the first. Differences from upstream: reversed, mixed-family and wrong-list ranges,
/// overlap inside one group, and containment across groups are rejected; aggregation is checked.
/// </summary>
internal static partial class ConfigValidator
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    public static IpamConfig Validate(IEnumerable<ServiceGroupConfig> groups, IpamConfigOptions options)
    {
        var problems = new List<ConfigProblem>();
        var sorted = groups
            .OrderBy(g => g.Namespace, StringComparer.Ordinal)
            .ThenBy(g => g.Name, StringComparer.Ordinal)
            .ToList();
        var inScope = Scope(sorted, options.InstallNamespace, problems);

        var accepted = new SortedDictionary<string, PoolDefinition>(StringComparer.Ordinal);
        var rejected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in inScope)
        {
            var own = new List<ConfigProblem>();
            var pool = BuildPool(group, own);
            if (pool is not null && accepted.ContainsKey(group.Name))
            {
                own.Add(new ConfigProblem(ConfigErrorKind.DuplicateName, group.Name, group.Namespace, null, null,
                    $"Duplicate definition of pool {group.Name}"));
            }
            if (pool is not null && own.Count == 0) CheckOverlapWithAccepted(pool, accepted.Values, own);
            if (pool is null || own.Count > 0)
            {
                problems.AddRange(own);
                if (!accepted.ContainsKey(group.Name)) rejected.Add(group.Name);
                continue;
            }
            accepted.Add(pool.Name, pool);
        }
        return new IpamConfig(accepted.Values.ToList(), problems, rejected, inScope.Count);
    }

    private static List<ServiceGroupConfig> Scope(List<ServiceGroupConfig> sorted, string? installNamespace,
        List<ConfigProblem> problems)
    {
        if (string.IsNullOrEmpty(installNamespace)) return sorted;
        var kept = sorted.Where(g => g.Namespace == installNamespace).ToList();
        // Dropping every group means the namespace is probably wrong: keep them all (fail open).
        if (kept.Count == 0 && sorted.Count > 0) return sorted;
        foreach (var g in sorted.Where(g => g.Namespace != installNamespace))
        {
            problems.Add(new ConfigProblem(ConfigErrorKind.OutOfScope, g.Name, g.Namespace, null, null,
                $"ServiceGroup is outside the install namespace \"{installNamespace}\" and is ignored"));
        }
        return kept;
    }

    private static PoolDefinition? BuildPool(ServiceGroupConfig g, List<ConfigProblem> own)
    {
        void Problem(ConfigErrorKind kind, string? field, string? range, string message) =>
            own.Add(new ConfigProblem(kind, g.Name, g.Namespace, field, range, message));

        CheckNamespaces(g, Problem);
        int blocks = (g.Local is null ? 0 : 1) + (g.Remote is null ? 0 : 1) + (g.External is null ? 0 : 1) + (g.Netbox is null ? 0 : 1);
        if (blocks == 0)
        {
            Problem(ConfigErrorKind.MissingPoolType, "spec", null, "Pool must specify local, remote, or external");
            return null;
        }
        if (blocks > 1)
        {
            Problem(ConfigErrorKind.MultiplePoolTypes, "spec", null, "exactly one of local, remote, external, or netbox must be specified");
            return null;
        }
        if (g.External is { } ext)
        {
            if (ext.Announce is not ("local" or "remote"))
            {
                Problem(ConfigErrorKind.InvalidExternal, "spec.external.announce", null,
                    $"external pool announce must be \"local\" or \"remote\", got \"{ext.Announce}\" (is the ServiceGroup CRD up to date?)");
            }
            if (string.IsNullOrEmpty(ext.Provider))
                Problem(ConfigErrorKind.InvalidExternal, "spec.external.provider", null, "external pool provider must not be empty");
            return own.Count > 0 ? null : new PoolDefinition(g, PoolKind.External, [], [], false, false, false);
        }
        if (g.Netbox is { } netboxSpec)
        {
            // The same checks the Netbox client relies on, made once here so a bad spec is reported with the group's name.
            if (!NetboxPoolConfig.TryCreate(netboxSpec, out var netbox, out var errors))
            {
                foreach (var error in errors)
                    Problem(ConfigErrorKind.InvalidExternal, "spec.netbox", null, error);
                return null;
            }
            return own.Count > 0 ? null : new PoolDefinition(g, PoolKind.External, [], [], false, false, false, netbox);
        }

        PoolKind kind;
        string prefix;
        AddressPoolConfig? v4, v6;
        IReadOnlyList<AddressPoolConfig>? v4s, v6s;
        bool skipDad, multi, balance;
        if (g.Local is { } l)
        {
            (kind, prefix, v4, v6, v4s, v6s, skipDad, multi, balance) =
                (PoolKind.Local, "spec.local", l.V4Pool, l.V6Pool, l.V4Pools, l.V6Pools, l.SkipIPv6Dad, l.MultiPool, l.BalancePools);
        }
        else
        {
            var r = g.Remote!;
            (kind, prefix, v4, v6, v4s, v6s, skipDad, multi, balance) =
                (PoolKind.Remote, "spec.remote", r.V4Pool, r.V6Pool, r.V4Pools, r.V6Pools, false, r.MultiPool, r.BalancePools);
        }

        var v6Ranges = new List<PoolRange>();
        var v4Ranges = new List<PoolRange>();
        for (int i = 0; i < (v6s?.Count ?? 0); i++) AddRange(v6s![i], $"{prefix}.v6pools[{i}]", IpFamily.IPv6, v6Ranges, Problem);
        if (v6 is not null) AddRange(v6, $"{prefix}.v6pool", IpFamily.IPv6, v6Ranges, Problem);
        for (int i = 0; i < (v4s?.Count ?? 0); i++) AddRange(v4s![i], $"{prefix}.v4pools[{i}]", IpFamily.IPv4, v4Ranges, Problem);
        if (v4 is not null) AddRange(v4, $"{prefix}.v4pool", IpFamily.IPv4, v4Ranges, Problem);

        if (v4Ranges.Count + v6Ranges.Count == 0 && own.Count == 0)
            Problem(ConfigErrorKind.NoRanges, prefix, null, "no valid address range found");

        foreach (var list in new[] { v4Ranges, v6Ranges })
        {
            for (int i = 0; i < list.Count; i++)
            for (int j = i + 1; j < list.Count; j++)
            {
                if (list[i].Range.Overlaps(list[j].Range))
                {
                    Problem(ConfigErrorKind.OverlappingRanges, list[j].Field, list[j].Range.Raw,
                        $"range {list[j].Range} ({list[j].Field}) overlaps range {list[i].Range} ({list[i].Field}) of the same group");
                }
            }
        }
        return own.Count > 0 ? null : new PoolDefinition(g, kind, v4Ranges, v6Ranges, skipDad, multi, balance);
    }

    private static void AddRange(AddressPoolConfig entry, string field, IpFamily listFamily, List<PoolRange> into,
        Action<ConfigErrorKind, string?, string?, string> problem)
    {
        if (!IpRange.TryParse(entry.Pool ?? "", out var range, out var rangeError))
        {
            problem(ConfigErrorKind.InvalidRange, field + ".pool", entry.Pool, rangeError!);
            return;
        }
        if (range!.Family != listFamily)
        {
            problem(ConfigErrorKind.WrongFamily, field + ".pool", entry.Pool,
                $"range {range} is {range.Family} but is listed as {listFamily}");
            return;
        }
        if (!IpNetwork.TryParse(entry.Subnet ?? "", out var subnet))
        {
            problem(ConfigErrorKind.InvalidSubnet, field + ".subnet", entry.Pool, $"invalid CIDR \"{entry.Subnet}\"");
            return;
        }
        if (!range.ContainedBy(subnet))
        {
            string fam = range.Family == IpFamily.IPv4 ? "IPV4" : "IPV6";
            problem(ConfigErrorKind.RangeOutsideSubnet, field, entry.Pool,
                $"{fam} range {range} not contained by network {subnet}");
            return;
        }
        int? aggregation = null;
        var agg = entry.Aggregation;
        if (!string.IsNullOrEmpty(agg) && agg != "default")
        {
            int bits = range.Family.Bits();
            if (agg.Length < 2 || agg[0] != '/' || !int.TryParse(agg.AsSpan(1), System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out int n) || agg[1] == '0' || n < 8 || n > bits)
            {
                problem(ConfigErrorKind.InvalidAggregation, field + ".aggregation", entry.Pool,
                    $"aggregation \"{agg}\" must be \"default\" or /N with N from 8 to {bits} for an {range.Family} range");
                return;
            }
            aggregation = n;
        }
        into.Add(new PoolRange(range, subnet, aggregation, field));
    }

    private static void CheckNamespaces(ServiceGroupConfig g, Action<ConfigErrorKind, string?, string?, string> problem)
    {
        var list = g.Namespaces ?? [];
        if (list.Count > 1024)
            problem(ConfigErrorKind.InvalidNamespaces, "spec.namespaces", null, $"at most 1024 namespaces may be listed, got {list.Count}");
        for (int i = 0; i < list.Count; i++)
        {
            var ns = list[i];
            if (ns is null || ns.Length > 63 || !Dns1123Label().IsMatch(ns))
                problem(ConfigErrorKind.InvalidNamespaces, $"spec.namespaces[{i}]", null, $"\"{ns}\" is not a valid namespace name (DNS-1123 label)");
        }
        if (g.EnforceNamespaces && list.Count == 0)
            problem(ConfigErrorKind.InvalidNamespaces, "spec.enforceNamespaces", null, "enforceNamespaces requires a non-empty namespaces list");
        if (g.NamespaceDefault && list.Count == 0)
            problem(ConfigErrorKind.InvalidNamespaces, "spec.namespaceDefault", null, "namespaceDefault requires a non-empty namespaces list");
    }

    /// <summary>
    /// Against the accepted pools in name order; the first partner found (the lowest-sorting) is named,
    /// so the message is stable across deliveries.
    /// </summary>
    private static void CheckOverlapWithAccepted(PoolDefinition pool, IEnumerable<PoolDefinition> accepted, List<ConfigProblem> own)
    {
        if (pool.Kind == PoolKind.External) return;
        foreach (var other in accepted)
        {
            if (other.Kind == PoolKind.External) continue;
            foreach (var mine in pool.V4Ranges.Concat(pool.V6Ranges))
            foreach (var theirs in other.Ranges(mine.Family))
            {
                if (!mine.Range.Overlaps(theirs.Range)) continue;
                own.Add(new ConfigProblem(ConfigErrorKind.OverlapsOtherGroup, pool.Name, pool.GroupNamespace, mine.Field, mine.Range.Raw,
                    $"Pool overlaps with already defined pool \"{other.Name}\": range {mine.Range} overlaps {theirs.Range}"));
                return;
            }
        }
    }
}
