namespace Purelb.Ipam;

/// <summary>Transport protocol of a Service port; TCP/53 and UDP/53 do not conflict.</summary>
public enum PortProtocol : byte
{
    TCP,
    UDP,
    SCTP,
}

/// <summary>A Service port identity for sharing checks: <c>spec.ports[].protocol</c> and <c>spec.ports[].port</c>.</summary>
public readonly record struct ServicePort(PortProtocol Protocol, int Port)
{
    public override string ToString() => $"{Protocol}/{Port}";
}

/// <summary><c>spec.ipFamilyPolicy</c>; <see cref="Unspecified"/> when the field is absent.</summary>
public enum IpFamilyPolicy
{
    Unspecified,
    SingleStack,
    PreferDualStack,
    RequireDualStack,
}

/// <summary>
/// Everything the IPAM core needs from a LoadBalancer Service to give it addresses. The Kubernetes
/// adapter fills it; no Kubernetes type appears here.
/// </summary>
/// <param name="ServiceKey">"namespace/name".</param>
/// <param name="Namespace">The Service namespace.</param>
/// <param name="RequestedGroup">Value of <c>purelb.io/service-group</c>; null when the annotation is absent (an empty value is looked up as pool "").</param>
/// <param name="IpFamilies"><c>spec.ipFamilies</c> in order; empty when unset.</param>
/// <param name="IpFamilyPolicy"><c>spec.ipFamilyPolicy</c>.</param>
/// <param name="PinnedAddresses">The comma-split entries of <c>purelb.io/addresses</c>, or of <c>spec.loadBalancerIP</c> when the
/// annotation is absent (see <see cref="PinnedAddressParser"/>); null when neither is set.</param>
/// <param name="SharingKey"><c>purelb.io/allow-shared-ip</c>; null or empty means no sharing.</param>
/// <param name="Ports">The Service ports.</param>
/// <param name="MultiPool">The <c>purelb.io/multi-pool</c> override: null when absent, else whether the value is exactly "true".</param>
/// <param name="ActiveSubnets">Subnets with a live node agent, for multiPool on local groups; null when unknown.</param>
public sealed record AllocationRequest(
    string ServiceKey,
    string Namespace,
    string? RequestedGroup = null,
    IReadOnlyList<IpFamily>? IpFamilies = null,
    IpFamilyPolicy IpFamilyPolicy = IpFamilyPolicy.Unspecified,
    IReadOnlyList<string>? PinnedAddresses = null,
    string? SharingKey = null,
    IReadOnlyList<ServicePort>? Ports = null,
    bool? MultiPool = null,
    IReadOnlyCollection<IpNetwork>? ActiveSubnets = null);

/// <summary>
/// A Service's addresses as found in its status, to be adopted into the ledger on restart (§4.12)
/// with <see cref="IpamLedger.Assign"/> or <see cref="IpamLedger.Rebuild"/>.
/// </summary>
/// <param name="ServiceKey">"namespace/name".</param>
/// <param name="Namespace">The Service namespace.</param>
/// <param name="Addresses"><c>status.loadBalancer.ingress[].ip</c> in order; unparseable entries are reported and skipped.</param>
/// <param name="SharingKey"><c>purelb.io/allow-shared-ip</c>.</param>
/// <param name="Ports">The Service ports.</param>
public sealed record ExistingAllocation(
    string ServiceKey,
    string Namespace,
    IReadOnlyList<string> Addresses,
    string? SharingKey = null,
    IReadOnlyList<ServicePort>? Ports = null);
