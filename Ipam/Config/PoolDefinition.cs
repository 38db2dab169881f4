using Purelb.Ipam.Netbox;

namespace Purelb.Ipam;

/// <summary>
/// One accepted ServiceGroup, parsed once and immutable: its kind, ranges per family in declared
/// order (v6pools, v6pool, v4pools, v4pool as in §2.5), flags and namespace scope.
/// </summary>
public sealed class PoolDefinition
{
    private readonly HashSet<string> _namespaceSet;

    internal PoolDefinition(ServiceGroupConfig source, PoolKind kind, IReadOnlyList<PoolRange> v4, IReadOnlyList<PoolRange> v6,
        bool skipIPv6Dad, bool multiPool, bool balancePools, NetboxPoolConfig? netbox = null)
    {
        Netbox = netbox;
        Source = source;
        Kind = kind;
        V4Ranges = v4;
        V6Ranges = v6;
        SkipIPv6Dad = skipIPv6Dad;
        MultiPool = multiPool;
        BalancePools = balancePools;
        Namespaces = source.Namespaces ?? [];
        _namespaceSet = new HashSet<string>(Namespaces, StringComparer.Ordinal);
    }

    /// <summary>The group as it was supplied.</summary>
    public ServiceGroupConfig Source { get; }

    public string Name => Source.Name;

    public string GroupNamespace => Source.Namespace;

    public PoolKind Kind { get; }

    public IReadOnlyList<PoolRange> V4Ranges { get; }

    public IReadOnlyList<PoolRange> V6Ranges { get; }

    /// <summary>Only local groups can set it; remote groups always report false.</summary>
    public bool SkipIPv6Dad { get; }

    public bool MultiPool { get; }

    public bool BalancePools { get; }

    /// <summary>The validated <c>spec.netbox</c>, for a Netbox group (an <see cref="PoolKind.External"/> pool served by the Netbox client).</summary>
    public NetboxPoolConfig? Netbox { get; }

    /// <summary>True for an external pool whose client is the built-in Netbox one rather than a sidecar.</summary>
    public bool IsNetbox => Netbox is not null;

    /// <summary>The external IPAM sidecar block, for <see cref="PoolKind.External"/> pools that are not Netbox.</summary>
    public ServiceGroupExternalConfig? External => Kind == PoolKind.External ? Source.External : null;

    /// <summary>The socket an external group talks to, with the default applied.</summary>
    public string? ExternalSocket => External is { } e
        ? (string.IsNullOrEmpty(e.Socket) ? ServiceGroupExternalConfig.DefaultSocket : e.Socket) : null;

    /// <summary><c>spec.namespaces</c> verbatim (duplicates kept); <c>status.boundNamespaces</c> copies it.</summary>
    public IReadOnlyList<string> Namespaces { get; }

    public bool EnforceNamespaces => Source.EnforceNamespaces;

    public bool NamespaceDefault => Source.NamespaceDefault;

    /// <summary>No namespaces listed: serves every namespace.</summary>
    public bool IsCatchAll => Namespaces.Count == 0;

    /// <summary>Catch-all groups serve everything (even ""); scoped groups serve only listed namespaces.</summary>
    public bool ServesNamespace(string ns) => IsCatchAll || _namespaceSet.Contains(ns);

    public IReadOnlyList<PoolRange> Ranges(IpFamily family) => family == IpFamily.IPv4 ? V4Ranges : V6Ranges;

    public bool HasFamily(IpFamily family) => Ranges(family).Count > 0;

    /// <summary>The annotation value <c>purelb.io/pool-type</c>: local, remote, or the external announce mode.</summary>
    public string PoolType => Kind switch
    {
        PoolKind.Local => "local",
        PoolKind.Remote => "remote",
        _ => Netbox?.Announce ?? Source.External!.Announce,
    };

    /// <summary><c>status.ipam</c>: <c>Cluster</c>, <c>Netbox</c>, or the external provider.</summary>
    public string IpamSource => Kind != PoolKind.External ? "Cluster" : Netbox is not null ? "Netbox" : Source.External!.Provider;

    /// <summary>Local and remote groups only: true when an address lies in one of its ranges.</summary>
    public bool Contains(IpAddr address)
    {
        foreach (var r in Ranges(address.Family))
            if (r.Range.Contains(address)) return true;
        return false;
    }

    /// <summary>Total addresses of a family; saturates at UInt128.MaxValue instead of wrapping.</summary>
    public UInt128 Size(IpFamily family)
    {
        UInt128 total = 0;
        foreach (var r in Ranges(family))
        {
            var s = r.Range.Size;
            total = UInt128.MaxValue - total < s ? UInt128.MaxValue : total + s;
        }
        return total;
    }

    /// <summary>The raw range texts for <c>status.addresses</c>: all IPv4 ranges, then all IPv6 ranges.</summary>
    public IReadOnlyList<string> DisplayAddresses =>
        [.. V4Ranges.Select(r => r.Range.Raw), .. V6Ranges.Select(r => r.Range.Raw)];

    public override string ToString() => $"{Name} ({PoolType})";
}
