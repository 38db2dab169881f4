using k8s.Models;

namespace Purelb.Kube;

/// <summary><see cref="ILeaseStore"/> over the API server.</summary>
public sealed class KubeLeaseStore(KubeApiClient api, string ns) : ILeaseStore
{
    private static readonly KubeResource<V1Lease, V1LeaseList> Leases = KubeResources.Leases;

    public string Namespace => ns;

    public async Task<LeaseRecord?> GetAsync(string name, CancellationToken ct)
    {
        var lease = await api.GetOrNullAsync(Leases, ns, name, ct).ConfigureAwait(false);
        return lease is null ? null : FromV1Lease(lease);
    }

    public async Task<IReadOnlyList<LeaseRecord>> ListAsync(CancellationToken ct)
    {
        var list = await api.ListAsync(Leases, ns, ct).ConfigureAwait(false);
        return [.. (list.Items ?? []).Select(FromV1Lease)];
    }

    public async Task<LeaseRecord> CreateAsync(LeaseRecord lease, CancellationToken ct) =>
        FromV1Lease(await api.CreateAsync(Leases, ToV1Lease(lease with { ResourceVersion = null }, ns), ct).ConfigureAwait(false));

    public async Task<LeaseRecord> UpdateAsync(LeaseRecord lease, CancellationToken ct) =>
        FromV1Lease(await api.ReplaceAsync(Leases, ToV1Lease(lease, ns), ct).ConfigureAwait(false));

    public async Task<bool> DeleteAsync(string name, string? resourceVersion, CancellationToken ct)
    {
        try
        {
            await api.DeleteAsync(Leases, ns, name, resourceVersion, ct).ConfigureAwait(false);
            return true;
        }
        catch (KubeApiException e) when (ApiError.IsNotFound(e))
        {
            return false;
        }
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
            Uid = lease.Uid,
            Labels = lease.Labels.Count == 0 ? null : new Dictionary<string, string>(lease.Labels),
            Annotations = lease.Annotations.Count == 0 ? null : new Dictionary<string, string>(lease.Annotations),
            OwnerReferences = lease.Owner is { } o
                ? [new V1OwnerReference { ApiVersion = o.ApiVersion, Kind = o.Kind, Name = o.Name, Uid = o.Uid, Controller = false, BlockOwnerDeletion = false }]
                : null,
        },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = lease.HolderIdentity,
            LeaseDurationSeconds = lease.LeaseDurationSeconds,
            AcquireTime = lease.AcquireTime?.UtcDateTime,
            RenewTime = lease.RenewTime?.UtcDateTime,
            LeaseTransitions = lease.LeaseTransitions,
        },
    };

    public static LeaseRecord FromV1Lease(V1Lease lease)
    {
        var owner = lease.Metadata?.OwnerReferences?.FirstOrDefault();
        return new LeaseRecord
        {
            Name = lease.Metadata?.Name ?? "",
            ResourceVersion = lease.Metadata?.ResourceVersion,
            Uid = lease.Metadata?.Uid,
            Labels = lease.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : new Dictionary<string, string>(),
            Annotations = lease.Metadata?.Annotations is { } a ? new Dictionary<string, string>(a) : new Dictionary<string, string>(),
            Owner = owner is null ? null : new LeaseOwner(owner.ApiVersion, owner.Kind, owner.Name, owner.Uid),
            HolderIdentity = lease.Spec?.HolderIdentity,
            LeaseDurationSeconds = lease.Spec?.LeaseDurationSeconds,
            AcquireTime = Utc(lease.Spec?.AcquireTime),
            RenewTime = Utc(lease.Spec?.RenewTime),
            LeaseTransitions = lease.Spec?.LeaseTransitions,
        };
    }

    private static DateTimeOffset? Utc(DateTime? t) =>
        t is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, v.Kind == DateTimeKind.Local ? DateTimeKind.Local : DateTimeKind.Utc)).ToUniversalTime() : null;
}
