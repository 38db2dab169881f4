namespace Purelb.Modes.Debug;

/// <summary>What `purelb debug services` shows: every LoadBalancer Service purelb handles, its addresses and who announces them.</summary>
public sealed record ServicesReport(IReadOnlyList<ServiceStatusReport> Services, IReadOnlyList<string> Notes)
{
    public int ProblemCount => Services.Sum(s => s.Problems.Count);
}

/// <param name="Group">The ServiceGroup it was allocated from (<c>purelb.io/allocated-from</c>).</param>
/// <param name="PoolType">local, remote or the external announce mode (<c>purelb.io/pool-type</c>).</param>
/// <param name="ExternalTrafficPolicy">Cluster or Local.</param>
/// <param name="Branded">Carries <c>purelb.io/allocated-by: PureLB</c>.</param>
public sealed record ServiceStatusReport(
    string Namespace,
    string Name,
    string? Group,
    string? PoolType,
    string ExternalTrafficPolicy,
    bool Branded,
    IReadOnlyList<AddressReport> Addresses,
    IReadOnlyList<string> Problems);

/// <param name="Announcement">local (one elected node on its LAN interface) or remote (BGP from kube-lb0); null when unknown.</param>
/// <param name="AnnouncedBy">local: the nodes of the announcing annotation; remote: the nodes that announce it.</param>
public sealed record AddressReport(string Address, string Family, string? Pool, string? Announcement, IReadOnlyList<AnnouncerReport> AnnouncedBy);

/// <param name="Interface">The interface named in the announcing annotation; null for remote addresses.</param>
public sealed record AnnouncerReport(string Node, string? Interface);
