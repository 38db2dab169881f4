namespace Purelb.Election;

/// <summary>
/// Storage of node leases in the install namespace. <c>Kube/</c> implements it on coordination.k8s.io/v1
/// Leases; tests fake it. Failures are reported as <see cref="LeaseStoreException"/>; any other exception
/// is treated by the elector as <see cref="LeaseStoreError.Unavailable"/>.
/// </summary>
public interface ILeaseStore
{
    /// <summary>The lease, or null when it does not exist.</summary>
    Task<LeaseRecord?> GetAsync(string name, CancellationToken cancellationToken);

    /// <summary>Creates the lease; <see cref="LeaseStoreError.AlreadyExists"/> when one exists. Returns the stored record (with its resourceVersion).</summary>
    Task<LeaseRecord> CreateAsync(LeaseRecord lease, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the lease if its resourceVersion still equals <see cref="LeaseRecord.ResourceVersion"/>;
    /// <see cref="LeaseStoreError.Conflict"/> otherwise, <see cref="LeaseStoreError.NotFound"/> when it is gone.
    /// </summary>
    Task<LeaseRecord> UpdateAsync(LeaseRecord lease, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the lease, only if its resourceVersion equals <paramref name="resourceVersion"/> when that is
    /// not null (<see cref="LeaseStoreError.Conflict"/> otherwise).
    /// </summary>
    Task DeleteAsync(string name, string? resourceVersion, CancellationToken cancellationToken);
}

public enum LeaseStoreError
{
    NotFound,
    AlreadyExists,
    Conflict,
    /// <summary>Anything else: unreachable API server, timeout, 5xx, forbidden.</summary>
    Unavailable,
}

public sealed class LeaseStoreException(LeaseStoreError error, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public LeaseStoreError Error { get; } = error;
}
