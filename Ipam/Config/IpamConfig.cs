namespace Purelb.Ipam;

/// <summary>Options for reading ServiceGroups.</summary>
/// <param name="InstallNamespace">The allocator's namespace; null or empty disables scoping (§2.1).</param>
public sealed record IpamConfigOptions(string? InstallNamespace = null);

/// <summary>
/// The validated, immutable configuration: accepted pools sorted by name, the namespace index, a
/// range index for finding the pool that holds an address in O(log n), and every problem found.
/// Build one per config delivery and hand it to <see cref="IpamLedger.SetConfig"/>.
/// </summary>
public sealed class IpamConfig
{
    private readonly Dictionary<string, PoolDefinition> _byName;
    private readonly HashSet<string> _rejected;
    private readonly (IpRange Range, PoolDefinition Pool)[] _v4Index;
    private readonly (IpRange Range, PoolDefinition Pool)[] _v6Index;

    internal IpamConfig(IReadOnlyList<PoolDefinition> pools, IReadOnlyList<ConfigProblem> problems,
        HashSet<string> rejected, int supplied)
    {
        Pools = pools;
        Problems = problems;
        _rejected = rejected;
        SuppliedGroups = supplied;
        _byName = pools.ToDictionary(p => p.Name, StringComparer.Ordinal);
        Namespaces = NamespaceIndex.Build(pools);
        _v4Index = BuildIndex(pools, IpFamily.IPv4);
        _v6Index = BuildIndex(pools, IpFamily.IPv6);
    }

    /// <summary>An empty configuration (no groups).</summary>
    public static IpamConfig Empty { get; } = Build([]);

    /// <summary>Accepted pools, sorted by name (ordinal).</summary>
    public IReadOnlyList<PoolDefinition> Pools { get; }

    /// <summary>Every problem found, in (namespace, name) order of the groups.</summary>
    public IReadOnlyList<ConfigProblem> Problems { get; }

    public NamespaceIndex Namespaces { get; }

    /// <summary>How many in-scope groups were supplied.</summary>
    public int SuppliedGroups { get; }

    /// <summary>
    /// True when at least one group was supplied but none was accepted. Upstream then keeps the
    /// previous configuration, and <see cref="IpamLedger.SetConfig"/> does the same.
    /// </summary>
    public bool NoValidPools => SuppliedGroups > 0 && Pools.Count == 0;

    public PoolDefinition? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>True when a group of this name was supplied but rejected.</summary>
    public bool WasRejected(string name) => _rejected.Contains(name);

    /// <summary>The local or remote pool whose ranges hold <paramref name="address"/>, or null. O(log n).</summary>
    public PoolDefinition? PoolContaining(IpAddr address) => FindRange(address)?.Pool;

    internal (IpRange Range, PoolDefinition Pool)? FindRange(IpAddr address)
    {
        var index = address.Family == IpFamily.IPv4 ? _v4Index : _v6Index;
        int lo = 0, hi = index.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            var r = index[mid].Range;
            if (address < r.First) hi = mid - 1;
            else if (address > r.Last) lo = mid + 1;
            else return index[mid];
        }
        return null;
    }

    private static (IpRange, PoolDefinition)[] BuildIndex(IReadOnlyList<PoolDefinition> pools, IpFamily family) =>
        pools.Where(p => p.Kind != PoolKind.External)
            .SelectMany(p => p.Ranges(family).Select(r => (r.Range, p)))
            .OrderBy(t => t.Range.First)
            .ToArray();

    /// <summary>Reads and validates ServiceGroups (allocator.md §2.1, §2.5). Never throws on bad input.</summary>
    public static IpamConfig Build(IEnumerable<ServiceGroupConfig> groups, IpamConfigOptions? options = null) =>
        ConfigValidator.Validate(groups, options ?? new IpamConfigOptions());
}
