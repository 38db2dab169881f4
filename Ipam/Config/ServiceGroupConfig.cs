using Purelb.Ipam.Netbox;

namespace Purelb.Ipam;

/// <summary>
/// A plain mirror of one <c>purelb.io/v2</c> ServiceGroup as the IPAM core reads it (allocator.md §2.2).
/// The Kubernetes adapter copies CRD fields across unchanged; nothing is parsed or defaulted here, so
/// every problem in the object is reported by <see cref="IpamConfig.Build"/> with the group's name.
/// </summary>
/// <param name="Name"><c>metadata.name</c>; also the pool name Services refer to.</param>
/// <param name="Namespace"><c>metadata.namespace</c>; only groups in the install namespace are used (§2.1).</param>
/// <param name="Local"><c>spec.local</c>: addresses on the nodes' own subnets, announced by ARP/NDP.</param>
/// <param name="Remote"><c>spec.remote</c>: routed addresses, put on <c>kube-lb0</c> and announced by BGP.</param>
/// <param name="External"><c>spec.external</c>: addresses handed out by an external IPAM; not allocated by this core.</param>
/// <param name="Netbox"><c>spec.netbox</c>: addresses recorded in Netbox; an external-kind pool, not allocated by this core.</param>
/// <param name="Namespaces"><c>spec.namespaces</c>: Service namespaces served; null or empty means all (catch-all).</param>
/// <param name="EnforceNamespaces"><c>spec.enforceNamespaces</c>: make <paramref name="Namespaces"/> a hard boundary (§4.2).</param>
/// <param name="NamespaceDefault"><c>spec.namespaceDefault</c>: the default among several groups serving a namespace.</param>
public sealed record ServiceGroupConfig(
    string Name,
    string Namespace,
    ServiceGroupLocalConfig? Local = null,
    ServiceGroupRemoteConfig? Remote = null,
    ServiceGroupExternalConfig? External = null,
    IReadOnlyList<string>? Namespaces = null,
    bool EnforceNamespaces = false,
    bool NamespaceDefault = false,
    NetboxSpec? Netbox = null);

/// <summary><c>spec.local</c> (ServiceGroupLocalSpec).</summary>
/// <param name="V4Pool"><c>v4pool</c>: a single IPv4 range (shorthand; combines with <paramref name="V4Pools"/>).</param>
/// <param name="V6Pool"><c>v6pool</c>: a single IPv6 range.</param>
/// <param name="V4Pools"><c>v4pools</c>: several IPv4 ranges, in declared order.</param>
/// <param name="V6Pools"><c>v6pools</c>: several IPv6 ranges, in declared order.</param>
/// <param name="SkipIPv6Dad"><c>skipIPv6DAD</c>: agents add this group's IPv6 addresses without DAD.</param>
/// <param name="MultiPool"><c>multiPool</c>: one address per range whose subnet has live nodes (§4.6).</param>
/// <param name="BalancePools"><c>balancePools</c>: pick the range with the fewest addresses in use (§4.5).</param>
public sealed record ServiceGroupLocalConfig(
    AddressPoolConfig? V4Pool = null,
    AddressPoolConfig? V6Pool = null,
    IReadOnlyList<AddressPoolConfig>? V4Pools = null,
    IReadOnlyList<AddressPoolConfig>? V6Pools = null,
    bool SkipIPv6Dad = false,
    bool MultiPool = false,
    bool BalancePools = false);

/// <summary><c>spec.remote</c> (ServiceGroupRemoteSpec): the local fields without <c>skipIPv6DAD</c>.</summary>
public sealed record ServiceGroupRemoteConfig(
    AddressPoolConfig? V4Pool = null,
    AddressPoolConfig? V6Pool = null,
    IReadOnlyList<AddressPoolConfig>? V4Pools = null,
    IReadOnlyList<AddressPoolConfig>? V6Pools = null,
    bool MultiPool = false,
    bool BalancePools = false);

/// <summary><c>spec.external</c> (ServiceGroupExternalSpec).</summary>
/// <param name="Provider"><c>provider</c>: display name, copied to <c>status.ipam</c>.</param>
/// <param name="Socket"><c>socket</c>: sidecar Unix socket; null or empty means <see cref="DefaultSocket"/>.</param>
/// <param name="Announce"><c>announce</c>: exactly <c>local</c> or <c>remote</c>.</param>
public sealed record ServiceGroupExternalConfig(string Provider, string? Socket, string Announce)
{
    public const string DefaultSocket = "/var/run/purelb/ipam.sock";
}

/// <summary>One <c>AddressPool</c> entry.</summary>
/// <param name="Pool"><c>pool</c>: a CIDR (start as written) or <c>from-to</c> range.</param>
/// <param name="Subnet"><c>subnet</c>: a CIDR containing both ends of the range; the multiPool key.</param>
/// <param name="Aggregation"><c>aggregation</c>: <c>default</c>, empty, or <c>/N</c> (8..128, ≤ 32 for IPv4).</param>
public sealed record AddressPoolConfig(string Pool, string Subnet, string? Aggregation = null);
