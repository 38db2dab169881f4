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

    /// <summary>Services whose Netbox records were compared with their status since this process started.</summary>
    private readonly HashSet<string> _externalVerified = new(StringComparer.Ordinal);

    /// <summary>
    /// A Service resolved to an external group (allocator.md §5.3): the sidecar or Netbox owns the state, we ask it.
    /// A Service that already holds addresses from that pool keeps them (both sources are idempotent per owner
    /// anyway). Every failure is a Warning event and a retry with backoff: throwing hands the key back to the work
    /// queue's rate limiter. Transient failures (timeouts, 5xx) fix themselves; the others (a refused token, a
    /// missing Secret, an exhausted pool) are fixed outside purelb — often in a Secret, which we do not watch — so
    /// they are retried too, just as loudly reported.
    /// </summary>
    private async Task SyncExternalAsync(V1Service svc, string key, AllocationRequest request, PoolDefinition pool, CancellationToken ct)
    {
        var reference = EventRecorder.ReferenceTo(svc);
        var current = ServiceGroupTranslator.ToExistingAllocation(svc);
        var owner = new ExternalOwner(key, request.SharingKey);
        try
        {
            if (current is not null && svc.Metadata.Annotation(Annotations.AllocatedFrom) == pool.Name)
            {
                _externalHolders[key] = pool.Name;
                await VerifyExternalAsync(reference, key, owner, current.Addresses, pool, ct).ConfigureAwait(false);
                return;
            }
            var families = Families(request, pool);
            var pinned = request.PinnedAddresses?.Select(a => IPAddress.TryParse(a, out var ip) ? ip : null).OfType<IPAddress>().ToList();
            var source = await _external.ForAsync(pool, _api, ct).ConfigureAwait(false);
            // Held before the call: if the answer is lost or the status write fails, a delete still gives it back.
            _externalHolders[key] = pool.Name;
            var addresses = await source.AllocateAsync(new ExternalAllocationRequest(owner, families, pinned), ct).ConfigureAwait(false);
            _externalVerified.Add(key);
            _events.Record(reference, EventTypes.Normal, "AddressAssigned",
                $"Assigned {string.Join(", ", addresses)} from pool {pool.Name} ({pool.IpamSource})");
            _log.LogInformation("{Service}: assigned {Addresses} from external pool {Pool}", key, string.Join(", ", addresses), pool.Name);
            await WriteBackAsync(svc, addresses.Select(a => a.ToString()).ToList(), pool.Name, pool.PoolType, skipDad: false, ct)
                .ConfigureAwait(false);
        }
        catch (ExternalIpamException e)
        {
            ReportExternalFailure(reference, key, pool, e);
            throw;
        }
    }

    /// <summary>
    /// Once per process and Service: the status says what the Service holds; for sources that can list (Netbox) the
    /// records must say the same. Extra records (a request that was applied after its caller gave up or died) are
    /// given back; a status address with no record is reported, never silently re-taken.
    /// </summary>
    private async Task VerifyExternalAsync(V1ObjectReference reference, string key, ExternalOwner owner, IReadOnlyList<string> status,
        PoolDefinition pool, CancellationToken ct)
    {
        if (!pool.IsNetbox || _externalVerified.Contains(key)) return;
        if (await _external.ForAsync(pool, _api, ct).ConfigureAwait(false) is not IExternalAddressInventory inventory) return;
        var held = await inventory.FindExistingAsync(owner, ct).ConfigureAwait(false);
        var inStatus = status.Select(a => IPAddress.TryParse(a, out var ip) ? ip : null).OfType<IPAddress>().ToHashSet();
        foreach (var extra in held.Where(a => !inStatus.Contains(a)))
        {
            await inventory.ReleaseAsync(owner, extra, ct).ConfigureAwait(false);
            _log.LogWarning("{Service}: gave back {Address}, recorded in pool {Pool} for it but not in its status", key, extra, pool.Name);
        }
        var missing = inStatus.Where(a => !held.Contains(a)).ToList();
        if (missing.Count > 0)
            _events.Record(reference, EventTypes.Warning, "AddressNotRecorded",
                $"{string.Join(", ", missing)} in the status has no record for this Service in pool {pool.Name} ({pool.IpamSource})");
        _externalVerified.Add(key);
    }

    private void ReportExternalFailure(V1ObjectReference reference, string key, PoolDefinition pool, ExternalIpamException e)
    {
        // A refused token may have been fixed in its Secret by the next attempt: read it again then.
        if (e.Kind == ExternalIpamErrorKind.Unauthorized) _external.Forget(pool.Name);
        if (!e.IsTransient) _metrics.Rejected.Inc(pool.Name, e.Kind == ExternalIpamErrorKind.PoolExhausted ? "exhausted" : "other");
        _events.Record(reference, EventTypes.Warning, "AllocationFailed",
            $"Failed to allocate IP for \"{key}\" from pool {pool.Name} ({pool.IpamSource}, {e.Kind}): {e.Message}; retrying");
        _log.LogInformation("{Service}: external pool {Pool} failed ({Kind}): {Error}", key, pool.Name, e.Kind, e.Message);
    }

    private static FamilyRequest Families(AllocationRequest request, PoolDefinition pool)
    {
        var families = request.IpFamilies ?? [];
        var dual = request.IpFamilyPolicy is IpFamilyPolicy.PreferDualStack or IpFamilyPolicy.RequireDualStack;
        bool v4 = families.Count == 0 || families.Contains(IpFamily.IPv4) || dual;
        bool v6 = families.Contains(IpFamily.IPv6) || dual;
        if (!dual && families.Count > 0) (v4, v6) = (families[0] == IpFamily.IPv4, families[0] == IpFamily.IPv6);
        if (request.IpFamilyPolicy == IpFamilyPolicy.PreferDualStack && pool.Netbox is { } netbox && (v4 && v6))
        {
            // Prefer, not require: a Netbox group serving one family still gives that one.
            if (!netbox.ServesIPv4 && netbox.ServesIPv6) v4 = false;
            else if (!netbox.ServesIPv6 && netbox.ServesIPv4) v6 = false;
        }
        return new FamilyRequest(v4, v6);
    }

    /// <summary>Returns the Service's external addresses to their source; throws (and so retries) when it cannot.</summary>
    private async Task<bool> ReleaseExternalAsync(string key, CancellationToken ct)
    {
        if (!_externalHolders.TryGetValue(key, out var poolName)) return false;
        var pool = _ledger.Config.Find(poolName);
        if (pool?.Kind == PoolKind.External)
        {
            var source = await _external.ForAsync(pool, _api, ct).ConfigureAwait(false);
            await source.ReleaseAsync(new ExternalOwner(key), null, ct).ConfigureAwait(false);
        }
        _externalHolders.Remove(key);
        _externalVerified.Remove(key);
        _log.LogInformation("{Service}: released its addresses in external pool {Pool}", key, poolName);
        return true;
    }

    /// <summary>
    /// At start: which Services hold addresses of external pools (their annotation names the pool). Their addresses
    /// belong to the external source, not the local ledger: were they adopted there, the ledger would answer for them
    /// and the source would never be asked again (so never checked against its records).
    /// </summary>
    private void RebuildExternalHolders()
    {
        foreach (var svc in _services.Cache.List())
        {
            if (!HoldsExternal(svc)) continue;
            var key = ServiceGroupTranslator.ServiceKey(svc);
            _externalHolders[key] = svc.Metadata.Annotation(Annotations.AllocatedFrom)!;
            _ledger.Release(key);
        }
    }

    /// <summary>The Service's addresses came from a pool that is external in the current configuration.</summary>
    private bool HoldsExternal(V1Service svc) =>
        svc.Metadata.Annotation(Annotations.AllocatedFrom) is { } from && _ledger.Config.Find(from)?.Kind == PoolKind.External;
}
