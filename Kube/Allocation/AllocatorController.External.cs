using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Purelb.Ipam;
using Purelb.Ipam.External;

namespace Purelb.Kube.Allocation;

public sealed partial class AllocatorController
{
    /// <summary>Services whose addresses came from an external pool, by key → pool name; rebuilt from Services at start.</summary>
    private readonly Dictionary<string, string> _externalHolders = new(StringComparer.Ordinal);

    /// <summary>
    /// A Service resolved to an external group (allocator.md §5.3): the sidecar owns the state, we ask it. A Service
    /// that already holds addresses from that pool keeps them (the sidecar is idempotent per owner anyway). Errors
    /// the sidecar reports as transient requeue with backoff; the rest are events, as for local pools.
    /// </summary>
    private async Task SyncExternalAsync(V1Service svc, string key, AllocationRequest request, PoolDefinition pool, CancellationToken ct)
    {
        var reference = EventRecorder.ReferenceTo(svc);
        var current = ServiceGroupTranslator.ToExistingAllocation(svc);
        if (current is not null && svc.Metadata.Annotation(Annotations.AllocatedFrom) == pool.Name)
        {
            _externalHolders[key] = pool.Name;
            return;
        }
        var families = Families(request, pool);
        var pinned = request.PinnedAddresses?.Select(a => IPAddress.TryParse(a, out var ip) ? ip : null).OfType<IPAddress>().ToList();
        IReadOnlyList<IPAddress> addresses;
        try
        {
            addresses = await _external.For(pool)
                .AllocateAsync(new ExternalAllocationRequest(new ExternalOwner(key, request.SharingKey), families, pinned), ct)
                .ConfigureAwait(false);
        }
        catch (ExternalIpamException e) when (!e.IsTransient)
        {
            _metrics.Rejected.Inc(pool.Name, "other");
            _events.Record(reference, EventTypes.Warning, "AllocationFailed", $"Failed to allocate IP for \"{key}\": {e.Message}");
            return;
        }
        _externalHolders[key] = pool.Name;
        _events.Record(reference, EventTypes.Normal, "AddressAssigned",
            $"Assigned {string.Join(", ", addresses)} from pool {pool.Name} ({pool.IpamSource})");
        _log.LogInformation("{Service}: assigned {Addresses} from external pool {Pool}", key, string.Join(", ", addresses), pool.Name);
        await WriteBackAsync(svc, addresses.Select(a => a.ToString()).ToList(), pool.Name, pool.PoolType, skipDad: false, ct)
            .ConfigureAwait(false);
    }

    private static FamilyRequest Families(AllocationRequest request, PoolDefinition pool)
    {
        var families = request.IpFamilies ?? [];
        var dual = request.IpFamilyPolicy is IpFamilyPolicy.PreferDualStack or IpFamilyPolicy.RequireDualStack;
        bool v4 = families.Count == 0 || families.Contains(IpFamily.IPv4) || dual;
        bool v6 = families.Contains(IpFamily.IPv6) || dual;
        if (!dual && families.Count > 0) (v4, v6) = (families[0] == IpFamily.IPv4, families[0] == IpFamily.IPv6);
        return new FamilyRequest(v4, v6);
    }

    /// <summary>Returns the Service's external addresses to their sidecar; throws (and so retries) when it cannot.</summary>
    private async Task<bool> ReleaseExternalAsync(string key, CancellationToken ct)
    {
        if (!_externalHolders.TryGetValue(key, out var poolName)) return false;
        var pool = _ledger.Config.Find(poolName);
        if (pool?.Kind == PoolKind.External)
            await _external.For(pool).ReleaseAsync(new ExternalOwner(key), null, ct).ConfigureAwait(false);
        _externalHolders.Remove(key);
        _log.LogInformation("{Service}: released its addresses in external pool {Pool}", key, poolName);
        return true;
    }

    /// <summary>At start: which Services hold addresses of external pools (their annotation names the pool).</summary>
    private void RebuildExternalHolders()
    {
        foreach (var svc in _services.Cache.List())
        {
            var from = svc.Metadata.Annotation(Annotations.AllocatedFrom);
            if (from is not null && _ledger.Config.Find(from)?.Kind == PoolKind.External)
                _externalHolders[ServiceGroupTranslator.ServiceKey(svc)] = from;
        }
    }
}
