using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Purelb.Ipam;
using Purelb.Kube.Crd;

namespace Purelb.Kube.Allocation;

public sealed partial class AllocatorController
{
    /// <summary>
    /// Writes <c>status</c> of every ServiceGroup whose pool use changed (allocator.md §2.4), skipping writes whose
    /// values equal the last successful one. A failure is logged and counted, never retried in a loop: the next
    /// change writes the then-current values anyway.
    /// </summary>
    private async Task PublishStatusAsync(CancellationToken ct)
    {
        var writes = new List<(string Namespace, string Name, PoolStatusValues Values)>();
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            _poolsDirty = false;
            MarkExternalRetriesDue();
            var external = new List<string>();
            foreach (var name in _dirtyPools)
            {
                var usage = _ledger.Usage(name);
                if (usage is null)
                {
                    external.Add(name); // external (or gone)
                    continue;
                }
                var values = PoolStatusValues.FromUsage(usage);
                _metrics.PoolSize.Set((double)usage.Size, name);
                _metrics.PoolInUse.Set((double)usage.Used, name);
                if (_writtenStatus.TryGetValue(name, out var last) && last.Equals(values)) continue;
                writes.Add((usage.Pool.GroupNamespace, name, values));
            }
            _dirtyPools.Clear();
            // External sources' counts and health are shared with external allocations, which also run under the gate.
            foreach (var name in external)
                await PublishExternalStatusAsync(name, ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }

        // Outside the gate: Services keep being decided while the summary is written. This item is never run by two
        // workers at once, so these writes do not race each other.
        foreach (var (ns, name, values) in writes)
        {
            try
            {
                await _api.PatchAsync(CrdResources.ServiceGroups, ns, name, PatchKind.Merge, StatusPatch(values), ct, "status")
                    .ConfigureAwait(false);
                await _gate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    _writtenStatus[name] = values;
                }
                finally
                {
                    _gate.Release();
                }
                _metrics.StatusWrites.Inc("success");
            }
            catch (KubeApiException e)
            {
                StatusWriteFailed(ns, name, e);
            }
        }
    }

    /// <summary>Counted and logged, never retried in a loop: the next change writes the then-current values anyway.</summary>
    private void StatusWriteFailed(string ns, string name, KubeApiException e)
    {
        _metrics.StatusWrites.Inc(e.StatusCode switch
        {
            System.Net.HttpStatusCode.Conflict => "conflict",
            System.Net.HttpStatusCode.Forbidden => "forbidden",
            _ => "other",
        });
        _log.LogWarning("status of ServiceGroup {Namespace}/{Name} not written: {Error}", ns, name, e.Message);
    }

    /// <summary>A merge patch that sets every status field; absent optional values are sent as null so they are removed.
    /// External pools add their conditions (reachability, exhaustion).</summary>
    private static string StatusPatch(PoolStatusValues v, JsonArray? conditions = null)
    {
        JsonArray Strings(IEnumerable<string>? items) => new((items ?? []).Select(s => (JsonNode?)JsonValue.Create(s)).ToArray());
        var status = new JsonObject
        {
            ["announce"] = v.Announce,
            ["ipam"] = v.Ipam,
            ["addresses"] = v.Addresses is null ? null : Strings(v.Addresses),
            ["allocatedIPv4"] = v.AllocatedIPv4,
            ["allocatedIPv6"] = v.AllocatedIPv6,
            ["availableIPv4"] = v.AvailableIPv4,
            ["availableIPv6"] = v.AvailableIPv6,
            ["boundNamespaces"] = v.BoundNamespaces.Count == 0 ? null : Strings(v.BoundNamespaces),
        };
        if (conditions is not null) status["conditions"] = conditions;
        return new JsonObject { ["status"] = status }.ToJsonString();
    }
}
