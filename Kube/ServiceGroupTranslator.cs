using k8s.Models;
using Purelb.Ipam;
using Purelb.Ipam.Netbox;
using Purelb.Kube.Crd;

namespace Purelb.Kube;

/// <summary>
/// Copies Kubernetes objects into the address manager's plain records and back: ServiceGroups into
/// <see cref="ServiceGroupConfig"/>, Services into <see cref="AllocationRequest"/> and
/// <see cref="ExistingAllocation"/>, pool use into <see cref="ServiceGroupStatus"/>. Nothing is validated
/// or defaulted here (missing texts become "" so the Ipam validator reports them with the group's name).
/// </summary>
public static class ServiceGroupTranslator
{
    public static ServiceGroupConfig ToConfig(ServiceGroup group)
    {
        var spec = group.Spec ?? new ServiceGroupSpec();
        return new ServiceGroupConfig(
            Name: group.Metadata?.Name ?? "",
            Namespace: group.Metadata?.NamespaceProperty ?? "",
            Local: spec.Local is { } local
                ? new ServiceGroupLocalConfig(
                    Pool(local.V4Pool), Pool(local.V6Pool), Pools(local.V4Pools), Pools(local.V6Pools),
                    local.SkipIPv6Dad ?? false, local.MultiPool ?? false, local.BalancePools ?? false)
                : null,
            Remote: spec.Remote is { } remote
                ? new ServiceGroupRemoteConfig(
                    Pool(remote.V4Pool), Pool(remote.V6Pool), Pools(remote.V4Pools), Pools(remote.V6Pools),
                    remote.MultiPool ?? false, remote.BalancePools ?? false)
                : null,
            External: spec.External is { } external
                ? new ServiceGroupExternalConfig(external.Provider ?? "", external.Socket, external.Announce ?? "")
                : null,
            Namespaces: spec.Namespaces is { } namespaces ? [.. namespaces] : null,
            EnforceNamespaces: spec.EnforceNamespaces ?? false,
            NamespaceDefault: spec.NamespaceDefault ?? false,
            Netbox: spec.Netbox is { } netbox ? ToNetboxSpec(netbox) : null);
    }

    /// <summary><c>spec.netbox</c> field by field; defaults and checks are <see cref="NetboxPoolConfig.TryCreate"/>'s.</summary>
    public static NetboxSpec ToNetboxSpec(ServiceGroupNetboxSpec netbox) => new()
    {
        Url = netbox.Url,
        Tenant = netbox.Tenant,
        TokenSecretRef = SecretRef(netbox.TokenSecretRef),
        TokenScheme = netbox.TokenScheme,
        Flow = netbox.Flow,
        V4Prefix = netbox.V4Prefix,
        V4PrefixId = netbox.V4PrefixId,
        V6Prefix = netbox.V6Prefix,
        V6PrefixId = netbox.V6PrefixId,
        VrfId = netbox.VrfId,
        Family = netbox.Family,
        Announce = netbox.Announce,
        Aggregation = netbox.Aggregation,
        PrefixLength = netbox.PrefixLength,
        CaBundle = netbox.CaBundle,
        CaSecretRef = SecretRef(netbox.CaSecretRef),
        Cluster = netbox.Cluster,
        DnsZone = netbox.DnsZone,
        TimeoutSeconds = netbox.TimeoutSeconds,
    };

    private static SecretKeyRef? SecretRef(ServiceGroupSecretKeyRef? reference) =>
        reference is null ? null : new SecretKeyRef { Name = reference.Name, Key = reference.Key };

    /// <summary>The ServiceGroup status fields from the allocator's view of a pool.</summary>
    public static ServiceGroupStatus ToStatus(PoolStatusValues values) => new()
    {
        Announce = values.Announce,
        Ipam = values.Ipam,
        Addresses = values.Addresses is { } addresses ? [.. addresses] : null,
        AllocatedIPv4 = values.AllocatedIPv4,
        AllocatedIPv6 = values.AllocatedIPv6,
        AvailableIPv4 = values.AvailableIPv4,
        AvailableIPv6 = values.AvailableIPv6,
        BoundNamespaces = [.. values.BoundNamespaces],
    };

    /// <summary>"namespace/name".</summary>
    public static string ServiceKey(V1Service service) =>
        $"{service.Metadata?.NamespaceProperty ?? ""}/{service.Metadata?.Name ?? ""}";

    /// <summary>What the address manager needs to give <paramref name="service"/> its addresses.</summary>
    /// <param name="activeSubnets">Subnets with a live node agent (multiPool on local groups); null when unknown.</param>
    /// <param name="key">The Service's key when the caller already holds it (<see cref="ServiceKey"/> otherwise).</param>
    public static AllocationRequest ToAllocationRequest(V1Service service, IReadOnlyCollection<IpNetwork>? activeSubnets = null,
        string? key = null)
    {
        var annotations = service.Metadata?.Annotations;
        var (pinned, _) = PinnedAddressParser.Split(Annotation(annotations, Annotations.Addresses), service.Spec?.LoadBalancerIP);
        var multiPool = Annotation(annotations, Annotations.MultiPool);
        return new AllocationRequest(
            key ?? ServiceKey(service),
            service.Metadata?.NamespaceProperty ?? "",
            RequestedGroup: Annotation(annotations, Annotations.ServiceGroup),
            IpFamilies: Families(service.Spec?.IpFamilies),
            IpFamilyPolicy: Policy(service.Spec?.IpFamilyPolicy),
            PinnedAddresses: pinned,
            SharingKey: Annotation(annotations, Annotations.AllowSharedIp),
            Ports: Ports(service.Spec?.Ports),
            MultiPool: multiPool is null ? null : multiPool == Annotations.TrueValue,
            ActiveSubnets: activeSubnets);
    }

    /// <summary>The addresses a Service already has in its status, for rebuilding the ledger; null when it has none.</summary>
    /// <param name="key">The Service's key when the caller already holds it (<see cref="ServiceKey"/> otherwise).</param>
    public static ExistingAllocation? ToExistingAllocation(V1Service service, string? key = null)
    {
        var addresses = service.Status?.LoadBalancer?.Ingress?
            .Select(i => i.Ip)
            .Where(ip => !string.IsNullOrEmpty(ip))
            .ToList();
        if (addresses is not { Count: > 0 })
        {
            return null;
        }
        return new ExistingAllocation(
            key ?? ServiceKey(service),
            service.Metadata?.NamespaceProperty ?? "",
            addresses!,
            Annotation(service.Metadata?.Annotations, Annotations.AllowSharedIp),
            Ports(service.Spec?.Ports));
    }

    /// <summary>True when purelb allocates for this Service: type LoadBalancer and our class (or none).</summary>
    /// <param name="acceptUnclassed">Whether Services without loadBalancerClass are ours (upstream DEFAULT_ANNOUNCER=PureLB).</param>
    public static bool IsOurs(V1Service service, bool acceptUnclassed = true) =>
        service.Spec?.Type == "LoadBalancer" &&
        (service.Spec.LoadBalancerClass is null ? acceptUnclassed : service.Spec.LoadBalancerClass == Annotations.LoadBalancerClass);

    private static string? Annotation(IDictionary<string, string>? annotations, string key) =>
        annotations is not null && annotations.TryGetValue(key, out var value) ? value : null;

    private static AddressPoolConfig? Pool(AddressPool? pool) =>
        pool is null ? null : new AddressPoolConfig(pool.Pool ?? "", pool.Subnet ?? "", pool.Aggregation);

    private static IReadOnlyList<AddressPoolConfig>? Pools(IList<AddressPool>? pools) =>
        pools?.Select(p => Pool(p) ?? new AddressPoolConfig("", "")).ToList();

    private static IReadOnlyList<IpFamily> Families(IList<string>? families)
    {
        if (families is null)
        {
            return [];
        }
        var result = new List<IpFamily>(families.Count);
        foreach (var family in families)
        {
            if (family == "IPv4")
            {
                result.Add(IpFamily.IPv4);
            }
            else if (family == "IPv6")
            {
                result.Add(IpFamily.IPv6);
            }
        }
        return result;
    }

    private static IpFamilyPolicy Policy(string? policy) => policy switch
    {
        "SingleStack" => IpFamilyPolicy.SingleStack,
        "PreferDualStack" => IpFamilyPolicy.PreferDualStack,
        "RequireDualStack" => IpFamilyPolicy.RequireDualStack,
        _ => IpFamilyPolicy.Unspecified,
    };

    private static IReadOnlyList<ServicePort> Ports(IList<V1ServicePort>? ports)
    {
        if (ports is null)
        {
            return [];
        }
        var result = new List<ServicePort>(ports.Count);
        foreach (var port in ports)
        {
            var protocol = port.Protocol switch
            {
                "UDP" => PortProtocol.UDP,
                "SCTP" => PortProtocol.SCTP,
                _ => PortProtocol.TCP, // the API server defaults an absent protocol to TCP
            };
            result.Add(new ServicePort(protocol, port.Port));
        }
        return result;
    }
}
