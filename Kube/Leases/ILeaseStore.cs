namespace Purelb.Kube;

/// <summary>
/// Storage of Leases in one namespace (the install namespace). Only storage: when to renew and who wins is the
/// election's business. Failures are <see cref="KubeApiException"/>s (or transport errors) for
/// <see cref="ApiError"/> to sort: Create of an existing name is AlreadyExists, Update with a stale
/// resourceVersion is Conflict.
/// </summary>
public interface ILeaseStore
{
    string Namespace { get; }

    /// <summary>The Lease, or null if there is none by that name.</summary>
    Task<LeaseRecord?> GetAsync(string name, CancellationToken ct);

    Task<IReadOnlyList<LeaseRecord>> ListAsync(CancellationToken ct);

    Task<LeaseRecord> CreateAsync(LeaseRecord lease, CancellationToken ct);

    /// <summary>Replaces the Lease; <see cref="LeaseRecord.ResourceVersion"/> is the precondition.</summary>
    Task<LeaseRecord> UpdateAsync(LeaseRecord lease, CancellationToken ct);

    /// <summary>Deletes the Lease, only if it still has <paramref name="resourceVersion"/> when one is given.
    /// Returns false if it was already gone.</summary>
    Task<bool> DeleteAsync(string name, string? resourceVersion, CancellationToken ct);
}
