using System.Net;

namespace Purelb.Ipam.External;

/// <summary>
/// A pool whose addresses are owned by another system (Netbox, an IPAM sidecar). The allocator
/// calls it from its I/O edge, never from the pure Ipam core.
/// </summary>
/// <remarks>
/// Contract every implementation keeps:
/// <list type="bullet">
/// <item>Allocate is idempotent per owner: repeating it (after a restart, a timeout, or a lost
/// answer) returns the addresses the owner already holds and never takes a second one.</item>
/// <item>Release is idempotent: releasing an owner that holds nothing succeeds.</item>
/// <item>Every failure is an <see cref="ExternalIpamException"/> whose
/// <see cref="ExternalIpamException.Kind"/> says what went wrong and whether to retry.</item>
/// <item>Implementations are safe to call concurrently.</item>
/// </list>
/// </remarks>
public interface IExternalAddressSource
{
    /// <summary>The ServiceGroup this source serves (the sidecar's <c>pool</c>).</summary>
    string PoolName { get; }

    /// <summary>How node agents announce the addresses: <c>local</c> or <c>remote</c>.</summary>
    string Announce { get; }

    /// <summary>
    /// Addresses for one owner: the pinned ones when <see cref="ExternalAllocationRequest.Pinned"/>
    /// is non-empty, otherwise one per wanted family. The result lists each address once.
    /// </summary>
    Task<IReadOnlyList<IPAddress>> AllocateAsync(ExternalAllocationRequest request, CancellationToken cancellationToken);

    /// <summary>Gives back <paramref name="address"/>, or every address of the owner when it is null.</summary>
    Task ReleaseAsync(ExternalOwner owner, IPAddress? address, CancellationToken cancellationToken);

    /// <summary>Usage and capacity for ServiceGroup status.</summary>
    Task<ExternalPoolStats> StatsAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A source that can also say who holds what without allocating (Netbox can; the sidecar contract
/// cannot). The allocator uses it to rebuild state after a restart and to adopt records whose
/// allocation answer was lost.
/// </summary>
public interface IExternalAddressInventory : IExternalAddressSource
{
    /// <summary>The addresses <paramref name="owner"/> holds now, without taking any.</summary>
    Task<IReadOnlyList<IPAddress>> FindExistingAsync(ExternalOwner owner, CancellationToken cancellationToken);

    /// <summary>Every holding of this pool that purelb made (for this cluster).</summary>
    Task<IReadOnlyList<ExternalHolding>> ListAsync(CancellationToken cancellationToken);
}
