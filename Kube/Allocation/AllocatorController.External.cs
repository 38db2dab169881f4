using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Purelb.Ipam;
using Purelb.Ipam.External;

namespace Purelb.Kube.Allocation;

public sealed partial class AllocatorController
{
    /// <summary>Who holds external addresses: Service key → pool and sharing key; rebuilt from Services (and Netbox) at start.</summary>
    private readonly Dictionary<string, ExternalHolder> _externalHolders = new(StringComparer.Ordinal);

    /// <summary>Services whose Netbox records were compared with their status since this process started.</summary>
    private readonly HashSet<string> _externalVerified = new(StringComparer.Ordinal);

    /// <param name="SharingKey">The <c>allow-shared-ip</c> value the address was taken under; null when not shared.</param>
    private readonly record struct ExternalHolder(string Pool, string? SharingKey);

    /// <summary>
    /// A Service resolved to an external group (allocator.md §5.3): the sidecar or Netbox owns the state, we ask it.
    /// A Service whose status already matches what it asks for keeps it (both sources are idempotent per owner
    /// anyway); a changed family list, pinned address, sharing key or group is asked for again and what is no longer
    /// wanted is given back. Every failure is a Warning event and a retry with backoff: throwing hands the key back to
    /// the work queue's rate limiter. Transient failures (timeouts, 5xx) fix themselves; the others (a refused token,
    /// a missing Secret, an exhausted pool) are fixed outside purelb — often in a Secret, which we do not watch — so
    /// they are retried too, just as loudly reported.
    /// </summary>
    private async Task SyncExternalAsync(V1Service svc, string key, AllocationRequest request, PoolDefinition pool, CancellationToken ct)
    {
        var reference = EventRecorder.ReferenceTo(svc);
        var current = ServiceGroupTranslator.ToExistingAllocation(svc);
        var sharingKey = string.IsNullOrEmpty(request.SharingKey) ? null : request.SharingKey;
        var owner = new ExternalOwner(key, sharingKey);
        var holder = new ExternalHolder(pool.Name, sharingKey);
        var families = Families(request, pool);
        var pinned = ParsePinned(request);
        try
        {
            bool sameHolder = !_externalHolders.TryGetValue(key, out var before) || before == holder;
            if (current is not null && sameHolder && svc.Metadata.Annotation(Annotations.AllocatedFrom) == pool.Name &&
                Satisfies(current.Addresses, families, pinned, request.IpFamilyPolicy))
            {
                _externalHolders[key] = holder;
                await VerifyExternalAsync(reference, key, owner, current.Addresses, pool, ct).ConfigureAwait(false);
                return;
            }
            // As in local pools, sharers of one address may not use the same port and protocol.
            if (sharingKey is not null && PortClash(key, pool.Name, sharingKey, request.Ports) is { } clash)
            {
                _metrics.Rejected.Inc(pool.Name, RejectReason(AllocationError.PortConflict));
                _events.Record(reference, EventTypes.Warning, "AllocationFailed", $"Failed to allocate IP for \"{key}\": {clash}");
                _log.LogInformation("{Service}: allocation failed: {Error}", key, clash);
                return; // like every local failure: re-queued by the change that could fix it, not retried in a loop
            }
            // Another group or sharing key than the records were taken under: give those back first (sharers permitting).
            if (!sameHolder) await ReleaseExternalAsync(key, ct).ConfigureAwait(false);
            var source = await _external.ForAsync(pool, _api, ct).ConfigureAwait(false);
            // Held before the call: if the answer is lost or the status write fails, a delete still gives it back.
            _externalHolders[key] = holder;
            var addresses = await source.AllocateAsync(new ExternalAllocationRequest(owner, families, pinned), ct).ConfigureAwait(false);
            await ReleaseUnwantedAsync(source, owner, current?.Addresses, addresses, ct).ConfigureAwait(false);
            ExternalSucceeded(pool.Name);
            _externalVerified.Add(key);
            var text = addresses.Select(a => a.ToString()).ToList();
            if (current is null || !current.Addresses.SequenceEqual(text, StringComparer.Ordinal))
            {
                _events.Record(reference, EventTypes.Normal, "AddressAssigned",
                    $"Assigned {string.Join(", ", addresses)} from pool {pool.Name} ({pool.IpamSource})");
                _log.LogInformation("{Service}: assigned {Addresses} from external pool {Pool}", key, string.Join(", ", addresses), pool.Name);
            }
            if (PlanWriteBack(svc, text, pool.Name, pool.PoolType, skipDad: false) is { } plan) await WriteBackAsync(svc, plan, ct).ConfigureAwait(false);
        }
        catch (ExternalIpamException e)
        {
            ReportExternalFailure(reference, key, pool, e);
            throw;
        }
    }

    /// <summary>The first port and protocol this Service would share with another holder of the same sharing key in
    /// the pool, as a message; null when there is none.</summary>
    private string? PortClash(string key, string pool, string sharingKey, IReadOnlyList<ServicePort>? ports)
    {
        if (ports is not { Count: > 0 }) return null;
        foreach (var (other, holder) in _externalHolders)
        {
            if (other == key || holder.Pool != pool || holder.SharingKey != sharingKey) continue;
            if (_services.Cache.Get(other) is not { } theirs) continue;
            var taken = ServiceGroupTranslator.ToAllocationRequest(theirs).Ports ?? [];
            foreach (var port in ports)
                if (taken.Contains(port))
                    return $"port {port} of sharing key \"{sharingKey}\" in pool {pool} is already in use by {other}";
        }
        return null;
    }

    /// <summary>
    /// After a changed request was served: addresses the owner held before (in status or, for Netbox, in its records)
    /// that the answer no longer contains. Shared addresses stay: other Services may use them.
    /// </summary>
    private async Task ReleaseUnwantedAsync(IExternalAddressSource source, ExternalOwner owner, IReadOnlyList<string>? status,
        IReadOnlyList<IPAddress> kept, CancellationToken ct)
    {
        if (owner.IsShared) return;
        var held = new HashSet<IPAddress>(ParseAll(status ?? []));
        if (source is IExternalAddressInventory inventory && status is not null)
            held.UnionWith(await inventory.FindExistingAsync(owner, ct).ConfigureAwait(false));
        foreach (var extra in held.Where(a => !kept.Contains(a)))
        {
            await source.ReleaseAsync(owner, extra, ct).ConfigureAwait(false);
            _log.LogInformation("{Service}: gave back {Address} to pool {Pool}, no longer wanted", owner.ServiceKey, extra, source.PoolName);
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
        var inStatus = ParseAll(status).ToHashSet();
        foreach (var extra in held.Where(a => !inStatus.Contains(a)))
        {
            await inventory.ReleaseAsync(owner, extra, ct).ConfigureAwait(false);
            _log.LogWarning("{Service}: gave back {Address}, recorded in pool {Pool} for it but not in its status", key, extra, pool.Name);
        }
        var missing = inStatus.Where(a => !held.Contains(a)).ToList();
        if (missing.Count > 0)
            _events.Record(reference, EventTypes.Warning, "AddressNotRecorded",
                $"{string.Join(", ", missing)} in the status has no record for this Service in pool {pool.Name} ({pool.IpamSource})");
        ExternalSucceeded(pool.Name);
        _externalVerified.Add(key);
    }

    private void ReportExternalFailure(V1ObjectReference reference, string key, PoolDefinition pool, ExternalIpamException e)
    {
        // A refused token, an untrusted certificate or a missing Secret may have been fixed in a Secret by the next
        // attempt: read the Secrets again then.
        if (e.Kind is ExternalIpamErrorKind.Unauthorized or ExternalIpamErrorKind.TlsFailure or ExternalIpamErrorKind.NotConfigured)
            _external.Forget(pool.Name);
        if (!e.IsTransient || e.Kind == ExternalIpamErrorKind.PoolExhausted)
            _metrics.Rejected.Inc(pool.Name, e.Kind == ExternalIpamErrorKind.PoolExhausted ? "exhausted" : "other");
        ExternalFailed(pool.Name, e, fromAllocation: true);
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

    /// <summary>Whether the status already holds what the request asks for (so no IPAM call is needed).</summary>
    private static bool Satisfies(IReadOnlyList<string> status, FamilyRequest families, IReadOnlyList<IPAddress>? pinned,
        IpFamilyPolicy? policy)
    {
        var held = ParseAll(status).ToList();
        if (pinned is { Count: > 0 }) return held.ToHashSet().SetEquals(pinned);
        bool v4 = held.Any(a => a.AddressFamily == AddressFamily.InterNetwork);
        bool v6 = held.Any(a => a.AddressFamily == AddressFamily.InterNetworkV6);
        if ((v4 && !families.WantIPv4) || (v6 && !families.WantIPv6)) return false;
        // PreferDualStack is served by whatever family the IPAM could give.
        return policy == IpFamilyPolicy.PreferDualStack ? v4 || v6 : v4 == families.WantIPv4 && v6 == families.WantIPv6;
    }

    private static IReadOnlyList<IPAddress>? ParsePinned(AllocationRequest request)
    {
        if (request.PinnedAddresses is not { Count: > 0 } pinned) return null;
        var parsed = ParseAll(pinned).Distinct().ToList();
        return parsed.Count > 0 ? parsed : null;
    }

    private static IEnumerable<IPAddress> ParseAll(IEnumerable<string> addresses) =>
        addresses.Select(a => IPAddress.TryParse(a, out var ip) ? (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip) : null).OfType<IPAddress>();

    /// <summary>
    /// Pinned addresses (<c>purelb.io/addresses</c>) that no local or remote group contains may be claimed from an
    /// external group: the one the Service names with <c>purelb.io/service-group</c>, else the Netbox group whose
    /// configured prefixes contain every pinned address. Null when none fits (the ledger's error then stands).
    /// </summary>
    private PoolDefinition? PinnedExternalPool(AllocationRequest request, AllocationResult result)
    {
        if (result.Error != AllocationError.PinnedAddressNotInPool || ParsePinned(request) is not { } pins) return null;
        if (request.RequestedGroup is { } named && _ledger.Config.Find(named) is { Kind: PoolKind.External } group)
            return group.ServesNamespace(request.Namespace) ? group : null;
        return _ledger.Config.Pools.FirstOrDefault(p => p.Netbox is { } netbox && p.ServesNamespace(request.Namespace) &&
            pins.All(ip => netbox.PrefixFor(ip.AddressFamily == AddressFamily.InterNetworkV6)?.Cidr is { } cidr && cidr.Contains(ip)));
    }

    /// <summary>
    /// Returns the Service's external addresses to their source; throws (and so retries) when it cannot. A Netbox
    /// record taken for a sharing key is given back only with the last Service of that key in the pool: the others
    /// still announce it. Sidecars key allocations by Service and decide sharing themselves, so each is released.
    /// </summary>
    private async Task<bool> ReleaseExternalAsync(string key, CancellationToken ct)
    {
        if (!_externalHolders.TryGetValue(key, out var holder)) return false;
        var pool = _ledger.Config.Find(holder.Pool);
        if (pool?.Kind == PoolKind.External)
        {
            var sharers = holder.SharingKey is null
                ? []
                : _externalHolders.Where(h => h.Key != key && h.Value == holder).Select(h => h.Key).ToList();
            if (pool.IsNetbox && sharers.Count > 0)
            {
                _log.LogInformation("{Service}: leaves the address of sharing key {Key} in pool {Pool} to {Sharers}", key,
                    holder.SharingKey, pool.Name, string.Join(", ", sharers));
            }
            else
            {
                var source = await _external.ForAsync(pool, _api, ct).ConfigureAwait(false);
                try
                {
                    await source.ReleaseAsync(new ExternalOwner(key, holder.SharingKey), null, ct).ConfigureAwait(false);
                }
                catch (ExternalIpamException e)
                {
                    ExternalFailed(pool.Name, e, fromAllocation: true);
                    throw;
                }
                ExternalSucceeded(pool.Name);
                _log.LogInformation("{Service}: released its addresses in external pool {Pool}", key, pool.Name);
            }
        }
        _externalHolders.Remove(key);
        _externalVerified.Remove(key);
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
            var sharing = svc.Metadata.Annotation(Annotations.AllowSharedIp);
            _externalHolders[key] = new ExternalHolder(svc.Metadata.Annotation(Annotations.AllocatedFrom)!,
                string.IsNullOrEmpty(sharing) ? null : sharing);
            _ledger.Release(key);
        }
    }

    private void ObserveSidecarCall(string socket, string method, string code, TimeSpan duration)
    {
        _metrics.SidecarRpc.Inc(socket, method, code);
        _metrics.SidecarRpcDuration.Observe(duration.TotalSeconds, socket, method);
    }

    /// <summary>The Service's addresses came from a pool that is external in the current configuration.</summary>
    private bool HoldsExternal(V1Service svc) =>
        svc.Metadata.Annotation(Annotations.AllocatedFrom) is { } from && _ledger.Config.Find(from)?.Kind == PoolKind.External;
}
