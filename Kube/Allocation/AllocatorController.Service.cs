using k8s.Models;
using Microsoft.Extensions.Logging;
using Purelb.Ipam;

namespace Purelb.Kube.Allocation;

public sealed partial class AllocatorController
{
    /// <summary>
    /// Decides under the gate, then publishes the decision without it, so other Services are decided meanwhile. The
    /// work queue hands this key to no other worker until we return, so this Service's writes never overtake each
    /// other; a write that fails throws, and the retry decides again from the then-current cache.
    /// </summary>
    private async Task SyncServiceAsync(string key, CancellationToken ct)
    {
        if (AllocatorSettings.IgnoredKeys.Contains(key)) return;
        Func<CancellationToken, Task>? publish;
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            publish = await DecideServiceAsync(key, ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
        if (publish is not null) await publish(ct).ConfigureAwait(false);
    }

    /// <summary>Runs under the gate. Returns the API writes that publish the decision, or null when there are none
    /// (or, on the rare external path, when they were already made under the gate).</summary>
    private async Task<Func<CancellationToken, Task>?> DecideServiceAsync(string key, CancellationToken ct)
    {
        // The cache's own key from here on: the ledger keeps it, so 10,000 Services hold 10,000 key strings, not twice that.
        if (!_services.Cache.TryGet(key, out var cachedKey, out var svc))
        {
            await ReleaseDeletedAsync(key, ct).ConfigureAwait(false);
            return null;
        }
        key = cachedKey;
        if (!_settings.IsOurClass(svc.Spec.LoadBalancerClass))
        {
            // Another controller's Service: drop anything we held (the class was changed) and leave the object alone.
            await ReleaseExternalAsync(key, ct).ConfigureAwait(false);
            if (_ledger.Release(key).Released.Count > 0) EnqueueAllServices();
            return null;
        }
        if (svc.Spec.Type != "LoadBalancer")
        {
            await ReleaseNotLoadBalancerAsync(svc, key, ct).ConfigureAwait(false);
            return null;
        }
        if (svc.Spec.ClusterIP == "None") return null; // headless: nothing to balance

        var reference = EventRecorder.ReferenceTo(svc);
        if (!_ledger.Knows(key) && ServiceGroupTranslator.ToExistingAllocation(svc, key) is { } existing &&
            svc.Metadata.Annotation(Annotations.AllocatedBy) == Annotations.AllocatedByValue && !HoldsExternal(svc))
        {
            var adopted = _ledger.Assign(existing);
            if (!adopted.Succeeded)
                _events.Record(reference, EventTypes.Warning, "AddressConflict",
                    $"cannot keep {string.Join(",", existing.Addresses)}: {adopted.Message}; allocating another");
        }

        var request = ServiceGroupTranslator.ToAllocationRequest(svc, ActiveSubnets.From(_leases.Cache.List(), _time.GetUtcNow()), key);
        var result = _ledger.Allocate(request);
        if ((result.Error == AllocationError.ExternalGroup ? result.Group : PinnedExternalPool(request, result)) is { } externalPool)
        {
            // Rare and already slow (a sidecar or Netbox is asked): done whole under the gate.
            await SyncExternalAsync(svc, key, request, externalPool, ct).ConfigureAwait(false);
            return null;
        }
        if (!result.Succeeded)
        {
            var pool = request.RequestedGroup ?? "<none>";
            _metrics.Rejected.Inc(pool, RejectReason(result.Error));
            _events.Record(reference, EventTypes.Warning, "AllocationFailed", $"Failed to allocate IP for \"{key}\": {result.Message}");
            _log.LogInformation("{Service}: allocation failed: {Error}", key, result.Message);
            // Every local failure is permanent until something changes; that change (a Service edit, a
            // ServiceGroup edit, a release) re-queues the Service. Nothing is retried in a loop.
            return null;
        }
        foreach (var warning in result.Warnings) RecordWarning(reference, warning);
        await ReleaseExternalAsync(key, ct).ConfigureAwait(false); // it held external addresses before moving to this group
        if (result.Added.Count > 0)
        {
            if (request.PinnedAddresses is not null && svc.Metadata.Annotations?.ContainsKey(Annotations.Addresses) != true)
                _events.Record(reference, EventTypes.Normal, "DeprecationWarning",
                    "spec.loadBalancerIP is deprecated; use the purelb.io/addresses annotation");
            _events.Record(reference, EventTypes.Normal, "AddressAssigned",
                $"Assigned {string.Join(", ", result.Added)} from pool {result.AllocatedFrom}");
            _log.LogInformation("{Service}: assigned {Addresses} from {Pool}", key, string.Join(", ", result.Added), result.AllocatedFrom);
            if (result.Group?.MultiPool == true) _metrics.MultiPoolAllocations.Inc(result.AllocatedFrom);
        }
        if (result.Released.Count > 0)
            _events.Record(reference, EventTypes.Normal, "AddressReleased", $"Released {string.Join(", ", result.Released)}");

        var addresses = result.Addresses.Select(a => a.ToString()).ToList();
        if (PlanWriteBack(svc, addresses, result.AllocatedFrom, result.PoolType, result.SkipIPv6Dad) is not { } plan) return null;
        if (result.Released.Count > 0)
        {
            // An address this Service gave up must leave its status before the gate lets another Service take it.
            await WriteBackAsync(svc, plan, ct).ConfigureAwait(false);
            return null;
        }
        return c => WriteBackAsync(svc, plan, c);
    }

    /// <summary>What publishing a decision still has to write: the annotations when any differs (null otherwise), and
    /// whether the ingress does.</summary>
    private sealed record WriteBack(IReadOnlyList<string> Addresses, Dictionary<string, string?>? Annotations, bool StatusDue);

    /// <summary>Null when the Service already says exactly what the decision would write: the usual case for the
    /// updates our own writes cause, which then cost no request.</summary>
    private static WriteBack? PlanWriteBack(V1Service svc, IReadOnlyList<string> addresses, string allocatedFrom, string? poolType, bool skipDad)
    {
        var annotations = WriteBackAnnotations(svc, allocatedFrom, poolType, skipDad);
        var annotationsDue = !IngressWriter.HasAnnotations(svc, annotations);
        var statusDue = !IngressWriter.Shows(svc, addresses);
        return annotationsDue || statusDue ? new WriteBack(addresses, annotationsDue ? annotations : null, statusDue) : null;
    }

    private static Dictionary<string, string?> WriteBackAnnotations(V1Service svc, string allocatedFrom, string? poolType, bool skipDad)
    {
        var annotations = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            [Annotations.AllocatedBy] = Annotations.AllocatedByValue,
            [Annotations.AllocatedFrom] = allocatedFrom,
            [Annotations.PoolType] = poolType,
            [Annotations.SkipIpv6Dad] = skipDad ? Annotations.TrueValue : null,
        };
        if (svc.Metadata.Annotation(Annotations.ReEvaluate) == Annotations.TrueValue) annotations[Annotations.ReEvaluate] = null;
        return annotations;
    }

    private async Task WriteBackAsync(V1Service svc, WriteBack plan, CancellationToken ct)
    {
        if (plan.StatusDue)
        {
            // Status and annotations in one write to /status, resourceVersion as the precondition: consumers never
            // see an address without the annotations that say what it is, and a burst costs one request, one new
            // version and one watch event per Service. Should a server drop metadata sent to /status (custom
            // resources' status strategies do; a Service's does not), the Service comes back with the address and
            // without the annotations, and the next pass writes them below.
            await _ingress.WriteAsync(svc, svc.Metadata.ResourceVersion, plan.Addresses, ct, plan.Annotations).ConfigureAwait(false);
            return;
        }
        if (plan.Annotations is { } annotations)
        {
            var patched = await _ingress.PatchAnnotationsAsync(svc.Metadata.NamespaceProperty, svc.Metadata.Name, annotations, ct).ConfigureAwait(false);
            // Re-created since we decided: let the retry decide again for the new object.
            if (patched.Uid != svc.Metadata.Uid)
                throw new InvalidOperationException($"{svc.Metadata.NamespaceProperty}/{svc.Metadata.Name} was re-created while it was written");
        }
    }

    private async Task ReleaseDeletedAsync(string key, CancellationToken ct)
    {
        // External first: if the sidecar cannot be reached this throws, and the retry keeps the key in mind.
        var external = await ReleaseExternalAsync(key, ct).ConfigureAwait(false);
        var released = _ledger.Release(key);
        if (released.Released.Count == 0 && !external) return;
        _log.LogInformation("{Service}: deleted; released {Addresses}", key, string.Join(", ", released.Released));
        // A freed address may be what a pending Service is waiting for.
        EnqueueAllServices();
    }

    /// <summary>Type changed away from LoadBalancer (allocator.md §4.10): release, clear ingress, drop our annotations.
    /// Runs whole under the gate: the freed address goes to no other Service before this one's status lets go of it.</summary>
    private async Task ReleaseNotLoadBalancerAsync(V1Service svc, string key, CancellationToken ct)
    {
        await ReleaseExternalAsync(key, ct).ConfigureAwait(false);
        var released = _ledger.Release(key);
        var annotations = svc.Metadata.Annotations ?? new Dictionary<string, string>();
        var ours = new[] { Annotations.AllocatedFrom, Annotations.AllocatedBy };
        var hasIngress = svc.Status?.LoadBalancer?.Ingress is { Count: > 0 };
        var wasOurs = annotations.ContainsKey(Annotations.AllocatedFrom) || released.Released.Count > 0;
        if (!wasOurs) return;
        if (hasIngress)
        {
            _events.Record(EventRecorder.ReferenceTo(svc), EventTypes.Normal, "AddressReleased",
                $"Service is Type {svc.Spec.Type}, not LoadBalancer");
            await _ingress.WriteAsync(svc, svc.Metadata.ResourceVersion, [], ct).ConfigureAwait(false);
        }
        if (ours.Any(annotations.ContainsKey))
            await _ingress.PatchAnnotationsAsync(svc.Metadata.NamespaceProperty, svc.Metadata.Name,
                ours.ToDictionary(k => k, _ => (string?)null), ct).ConfigureAwait(false);
        if (released.Released.Count > 0) EnqueueAllServices();
        _log.LogInformation("{Service}: type {Type}; released {Addresses}", key, svc.Spec.Type, string.Join(", ", released.Released));
    }

    private void RecordWarning(V1ObjectReference reference, AllocationWarning warning)
    {
        var (type, reason) = warning.Kind switch
        {
            AllocationWarningKind.AmbiguousDefaultFallback => (EventTypes.Warning, "ConfigurationWarning"),
            AllocationWarningKind.GroupIgnoredForPinnedAddresses => (EventTypes.Normal, "ConfigurationWarning"),
            AllocationWarningKind.MultiPoolPartial => (EventTypes.Warning, "MultiPoolPartial"),
            AllocationWarningKind.RegistrationNotUpdated => (EventTypes.Warning, "SharingConflict"),
            _ => (EventTypes.Normal, warning.Kind.ToString()),
        };
        _events.Record(reference, type, reason, warning.Message);
    }

    /// <summary>The metric reason labels of allocator.md §6.</summary>
    private static string RejectReason(AllocationError error) => error switch
    {
        AllocationError.PoolExhausted => "exhausted",
        AllocationError.PortConflict => "port_conflict",
        AllocationError.SharingConflict => "sharing_key_conflict",
        AllocationError.NamespaceNotAllowed => "namespace_denied",
        AllocationError.AmbiguousNamespaceDefault => "ambiguous_namespace_default",
        AllocationError.NoPoolForFamily => "no_usable_pool",
        AllocationError.NoGroup => "unknown_pool",
        AllocationError.NoActiveRanges => "multipool_refused",
        _ => "other",
    };
}
