using k8s.Models;
using Purelb.Election;

namespace Purelb.Kube;

/// <summary>
/// The election's <see cref="ILeaseStore"/> over coordination.k8s.io/v1 Leases in one namespace. API errors are
/// sorted into <see cref="LeaseStoreException"/>s: 404 NotFound, 409 on create AlreadyExists, 409 otherwise
/// Conflict, anything else (transport, timeout, 5xx, forbidden) Unavailable.
/// </summary>
public sealed class KubeLeaseStore(KubeApiClient api, string ns) : ILeaseStore
{
    private static readonly KubeResource<V1Lease, V1LeaseList> Leases = KubeResources.Leases;

    public string Namespace => ns;

    public async Task<LeaseRecord?> GetAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var lease = await api.GetOrNullAsync(Leases, ns, name, cancellationToken).ConfigureAwait(false);
            return lease is null ? null : FromV1Lease(lease);
        }
        catch (Exception e) when (IsStoreFailure(e, cancellationToken))
        {
            throw Translate(e, $"read lease {name}", creating: false);
        }
    }

    public async Task<LeaseRecord> CreateAsync(LeaseRecord lease, CancellationToken cancellationToken)
    {
        try
        {
            var created = await api.CreateAsync(Leases, ToV1Lease(lease with { ResourceVersion = null }, ns), cancellationToken).ConfigureAwait(false);
            return FromV1Lease(created);
        }
        catch (Exception e) when (IsStoreFailure(e, cancellationToken))
        {
            throw Translate(e, $"create lease {lease.Name}", creating: true);
        }
    }

    public async Task<LeaseRecord> UpdateAsync(LeaseRecord lease, CancellationToken cancellationToken)
    {
        try
        {
            return FromV1Lease(await api.ReplaceAsync(Leases, ToV1Lease(lease, ns), cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (IsStoreFailure(e, cancellationToken))
        {
            throw Translate(e, $"update lease {lease.Name}", creating: false);
        }
    }

    public async Task DeleteAsync(string name, string? resourceVersion, CancellationToken cancellationToken)
    {
        try
        {
            await api.DeleteAsync(Leases, ns, name, resourceVersion, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsStoreFailure(e, cancellationToken))
        {
            throw Translate(e, $"delete lease {name}", creating: false);
        }
    }

    /// <summary>Everything but our own cancellation becomes a store failure (a request timeout is one too).</summary>
    private static bool IsStoreFailure(Exception e, CancellationToken ct) =>
        e is not LeaseStoreException && !(e is OperationCanceledException && ct.IsCancellationRequested);

    private static LeaseStoreException Translate(Exception e, string operation, bool creating)
    {
        var kind = ApiError.Classify(e);
        var error = kind switch
        {
            ApiErrorKind.NotFound => LeaseStoreError.NotFound,
            ApiErrorKind.AlreadyExists => LeaseStoreError.AlreadyExists,
            ApiErrorKind.Conflict => creating ? LeaseStoreError.AlreadyExists : LeaseStoreError.Conflict,
            _ => LeaseStoreError.Unavailable,
        };
        return new LeaseStoreException(error, $"{operation}: {e.Message}", e);
    }

    public static V1Lease ToV1Lease(LeaseRecord lease, string ns) => new()
    {
        ApiVersion = "coordination.k8s.io/v1",
        Kind = "Lease",
        Metadata = new V1ObjectMeta
        {
            Name = lease.Name,
            NamespaceProperty = ns,
            ResourceVersion = lease.ResourceVersion,
            Labels = lease.Labels.Count == 0 ? null : new Dictionary<string, string>(lease.Labels),
            Annotations = lease.Annotations.Count == 0 ? null : new Dictionary<string, string>(lease.Annotations),
            OwnerReferences = lease.OwnerNode is { } o
                ? [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = o.Name, Uid = o.Uid, Controller = false, BlockOwnerDeletion = false }]
                : null,
        },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = lease.HolderIdentity,
            LeaseDurationSeconds = lease.LeaseDurationSeconds,
            RenewTime = lease.RenewTime?.UtcDateTime,
        },
    };

    public static LeaseRecord FromV1Lease(V1Lease lease)
    {
        var owner = lease.Metadata?.OwnerReferences?.FirstOrDefault(o => o.Kind == "Node" && o.ApiVersion == "v1");
        return new LeaseRecord(
            lease.Metadata?.Name ?? "",
            lease.Spec?.HolderIdentity,
            Utc(lease.Spec?.RenewTime),
            lease.Spec?.LeaseDurationSeconds,
            lease.Metadata?.Annotations is { } a ? new Dictionary<string, string>(a) : new Dictionary<string, string>(),
            lease.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : new Dictionary<string, string>(),
            owner is null ? null : new LeaseOwnerNode(owner.Name, owner.Uid),
            lease.Metadata?.ResourceVersion);
    }

    private static DateTimeOffset? Utc(DateTime? t) =>
        t is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, v.Kind == DateTimeKind.Local ? DateTimeKind.Local : DateTimeKind.Utc)).ToUniversalTime() : null;
}
