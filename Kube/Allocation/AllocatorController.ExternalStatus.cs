using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Purelb.Ipam;
using Purelb.Ipam.External;
using Purelb.Kube.Crd;

namespace Purelb.Kube.Allocation;

// ServiceGroup status of external groups (usage from the IPAM's Stats, conditions from the last calls), and the
// start-up sweep of Netbox records whose Service went away while no allocator was running.
public sealed partial class AllocatorController
{
    private static readonly TimeSpan ExternalRetryFirst = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ExternalRetryMax = TimeSpan.FromMinutes(5);

    /// <summary>An allocation failure this recent already tells the status what Stats would: do not ask again.</summary>
    private static readonly TimeSpan FreshFailure = TimeSpan.FromSeconds(3);

    private readonly Dictionary<string, ExternalPoolHealth> _externalHealth = new(StringComparer.Ordinal);

    /// <summary>What the allocator last learnt about one external pool.</summary>
    private sealed class ExternalPoolHealth
    {
        public ExternalPoolStats? Stats;
        public ExternalIpamException? Error;
        public DateTimeOffset ErrorAt;
        public bool ErrorFromAllocation;
        public bool Exhausted;
        public bool Swept;
        public DateTimeOffset ReachableSince, ExhaustedSince;
        public bool? WasReachable, WasExhausted;
        public TimeSpan RetryDelay = ExternalRetryFirst;
        public DateTimeOffset? RetryAt;
        public string? Written;
    }

    private ExternalPoolHealth HealthOf(string pool)
    {
        if (!_externalHealth.TryGetValue(pool, out var health)) _externalHealth[pool] = health = new ExternalPoolHealth();
        return health;
    }

    private void ExternalSucceeded(string pool)
    {
        var health = HealthOf(pool);
        health.Error = null;
        health.Exhausted = false;
        health.RetryDelay = ExternalRetryFirst;
        _dirtyPools.Add(pool);
        _poolsDirty = true; // schedules the coalesced status write
    }

    private void ExternalFailed(string pool, ExternalIpamException e, bool fromAllocation)
    {
        var health = HealthOf(pool);
        if (e.Kind == ExternalIpamErrorKind.PoolExhausted)
        {
            health.Exhausted = true;
        }
        else if (!fromAllocation || IsPoolWide(e.Kind))
        {
            health.Error = e;
            health.ErrorAt = _time.GetUtcNow();
            health.ErrorFromAllocation = fromAllocation;
        }
        _dirtyPools.Add(pool);
        _poolsDirty = true; // schedules the coalesced status write
    }

    /// <summary>Failures that say the IPAM cannot be used at all, as opposed to refusing one request.</summary>
    private static bool IsPoolWide(ExternalIpamErrorKind kind) => kind is ExternalIpamErrorKind.Unauthorized
        or ExternalIpamErrorKind.Redirected or ExternalIpamErrorKind.Unavailable or ExternalIpamErrorKind.Timeout
        or ExternalIpamErrorKind.TlsFailure or ExternalIpamErrorKind.ServerError or ExternalIpamErrorKind.InvalidResponse
        or ExternalIpamErrorKind.NotConfigured;

    /// <summary>Called at the start of a status round: pools whose retry is due become dirty; the next round is armed.</summary>
    private void MarkExternalRetriesDue()
    {
        var now = _time.GetUtcNow();
        TimeSpan? next = null;
        foreach (var (name, health) in _externalHealth)
        {
            if (health.RetryAt is not { } at) continue;
            if (at <= now)
            {
                health.RetryAt = null;
                _dirtyPools.Add(name);
            }
            else if (next is null || at - now < next) next = at - now;
        }
        // Arming every round is what keeps a later retry alive when an earlier round was already queued.
        if (next is { } delay) _queue.AddAfter(AllocatorWorkItem.PublishStatus, delay);
    }

    /// <summary>
    /// Status of an external group: first (once per process) the sweep of records whose Service is gone, then the
    /// IPAM's Stats for the counts, and conditions <c>IpamReachable</c> and <c>AddressesAvailable</c>. A failure is
    /// written as a condition and retried with backoff (5 s doubling to 5 min); the counts keep their last values.
    /// </summary>
    private async Task PublishExternalStatusAsync(string name, CancellationToken ct)
    {
        if (_ledger.Config.Find(name) is not { Kind: PoolKind.External } pool) return;
        var health = HealthOf(name);
        var now = _time.GetUtcNow();
        bool freshFailure = health.Error is not null && health.ErrorFromAllocation && now - health.ErrorAt < FreshFailure;
        if (!freshFailure)
        {
            try
            {
                var source = await _external.ForAsync(pool, _api, ct).ConfigureAwait(false);
                if (!health.Swept && source is IExternalAddressInventory inventory)
                {
                    await SweepExternalAsync(pool, inventory, ct).ConfigureAwait(false);
                    health.Swept = true;
                }
                health.Stats = await source.StatsAsync(ct).ConfigureAwait(false);
                health.Error = null;
                health.RetryDelay = ExternalRetryFirst;
            }
            catch (ExternalIpamException e)
            {
                if (e.Kind is ExternalIpamErrorKind.Unauthorized or ExternalIpamErrorKind.TlsFailure or ExternalIpamErrorKind.NotConfigured)
                    _external.Forget(name);
                ExternalFailed(name, e, fromAllocation: false);
                _dirtyPools.Remove(name);
                _log.LogWarning("status of external pool {Pool}: {Kind}: {Error}", name, e.Kind, e.Message);
            }
        }
        if (health.Error is not null || !health.Swept && pool.IsNetbox)
        {
            health.RetryAt = now + health.RetryDelay;
            health.RetryDelay = TimeSpan.FromTicks(Math.Min(health.RetryDelay.Ticks * 2, ExternalRetryMax.Ticks));
            _queue.AddAfter(AllocatorWorkItem.PublishStatus, health.RetryAt.Value - now);
        }

        var stats = health.Stats;
        var values = PoolStatusValues.ForExternal(pool, stats?.InUseV4 ?? 0, stats?.InUseV6 ?? 0,
            stats is { HasKnownCapacity: true } ? (stats.SizeV4 ?? 0, stats.SizeV6 ?? 0) : null, stats?.DisplayAddresses);
        bool statsFull = values.AvailableIPv4 is not null && values.AvailableIPv4 + (values.AvailableIPv6 ?? 0) == 0;
        bool reachable = health.Error is null;
        bool exhausted = health.Exhausted || statsFull;
        if (health.WasReachable != reachable) (health.WasReachable, health.ReachableSince) = (reachable, now);
        if (health.WasExhausted != exhausted) (health.WasExhausted, health.ExhaustedSince) = (exhausted, now);
        if (stats is not null)
        {
            _metrics.PoolSize.Set((double)((stats.SizeV4 ?? 0) + (stats.SizeV6 ?? 0)), name);
            _metrics.PoolInUse.Set((double)(stats.InUseV4 + stats.InUseV6), name);
        }

        var conditions = new JsonArray(
            Condition("IpamReachable", reachable, health.ReachableSince,
                reachable ? "Connected" : health.Error!.Kind.ToString(),
                reachable ? $"{pool.IpamSource} answered" : health.Error!.Message),
            Condition("AddressesAvailable", !exhausted, health.ExhaustedSince,
                exhausted ? "PoolExhausted" : "Available",
                exhausted ? $"{pool.IpamSource} has no free address for this group" : "addresses can be allocated"));
        var patch = StatusPatch(values, conditions);
        if (health.Written == patch) return;
        try
        {
            await _api.PatchAsync(CrdResources.ServiceGroups, pool.GroupNamespace, name, PatchKind.Merge, patch, ct, "status")
                .ConfigureAwait(false);
            health.Written = patch;
            _metrics.StatusWrites.Inc("success");
        }
        catch (KubeApiException e)
        {
            StatusWriteFailed(pool.GroupNamespace, name, e);
        }
    }

    private static JsonObject Condition(string type, bool ok, DateTimeOffset since, string reason, string message) => new()
    {
        ["type"] = type,
        ["status"] = ok ? "True" : "False",
        ["reason"] = reason,
        ["message"] = message,
        ["lastTransitionTime"] = since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Once per process and Netbox group, after the Services are rebuilt: every record purelb made in the group's
    /// tenant is either some Service's (made a holder, so a later delete or type change gives it back, and
    /// re-queued so its status is checked against it — no second record is ever made for it) or an orphan whose
    /// Service was deleted while no allocator ran (given back now). A record kept for a sharing key is an orphan only
    /// when no Service of this pool uses that key any more.
    /// </summary>
    private async Task SweepExternalAsync(PoolDefinition pool, IExternalAddressInventory inventory, CancellationToken ct)
    {
        var holdings = await inventory.ListAsync(ct).ConfigureAwait(false);
        int released = 0;
        foreach (var holding in holdings)
        {
            var owner = holding.Owner;
            if (owner.IsShared)
            {
                if (SharesInPool(pool, owner.SharingKey!)) continue;
            }
            else if (_services.Cache.Get(owner.ServiceKey) is { } svc)
            {
                var sharing = svc.Metadata.Annotation(Annotations.AllowSharedIp);
                _externalHolders.TryAdd(owner.ServiceKey, new ExternalHolder(pool.Name, string.IsNullOrEmpty(sharing) ? null : sharing));
                _queue.Add(AllocatorWorkItem.ForService(owner.ServiceKey));
                continue;
            }
            await inventory.ReleaseAsync(owner, holding.Address, ct).ConfigureAwait(false);
            released++;
            _log.LogInformation("pool {Pool}: gave back {Address} of {Owner}, whose Service no longer exists", pool.Name,
                holding.Address, owner);
        }
        _log.LogInformation("pool {Pool}: {Count} records of purelb found, {Released} given back as orphans", pool.Name,
            holdings.Count, released);
    }

    /// <summary>Whether a Service of this pool (holding it, or resolving to it) still uses the sharing key.</summary>
    private bool SharesInPool(PoolDefinition pool, string sharingKey)
    {
        if (_externalHolders.Values.Any(h => h.Pool == pool.Name && h.SharingKey == sharingKey)) return true;
        foreach (var svc in _services.Cache.List())
        {
            if (svc.Metadata.Annotation(Annotations.AllowSharedIp) != sharingKey || svc.Spec?.Type != "LoadBalancer") continue;
            var ns = svc.Metadata.NamespaceProperty ?? "";
            if (GroupResolver.Resolve(_ledger.Config, ns, svc.Metadata.Annotation(Annotations.ServiceGroup)).Pool?.Name == pool.Name)
                return true;
        }
        return false;
    }
}
