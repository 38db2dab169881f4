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
        MarkExternalRetriesDue();
        var pools = _dirtyPools.ToList();
        _dirtyPools.Clear();
        foreach (var name in pools)
        {
            var usage = _ledger.Usage(name);
            if (usage is null)
            {
                await PublishExternalStatusAsync(name, ct).ConfigureAwait(false); // external (or gone)
                continue;
            }
            var values = PoolStatusValues.FromUsage(usage);
            _metrics.PoolSize.Set((double)usage.Size, name);
            _metrics.PoolInUse.Set((double)usage.Used, name);
            if (_writtenStatus.TryGetValue(name, out var last) && last.Equals(values)) continue;
            var ns = usage.Pool.GroupNamespace;
            try
            {
                await _api.PatchAsync(CrdResources.ServiceGroups, ns, name, PatchKind.Merge, StatusPatch(values), ct, "status")
                    .ConfigureAwait(false);
                _writtenStatus[name] = values;
                _metrics.StatusWrites.Inc("success");
            }
            catch (KubeApiException e)
            {
                _metrics.StatusWrites.Inc(e.StatusCode switch
                {
                    System.Net.HttpStatusCode.Conflict => "conflict",
                    System.Net.HttpStatusCode.Forbidden => "forbidden",
                    _ => "other",
                });
                _log.LogWarning("status of ServiceGroup {Namespace}/{Name} not written: {Error}", ns, name, e.Message);
            }
        }
    }

    /// <summary>A merge patch that sets every status field; absent optional values are sent as null so they are removed.</summary>
    private static string StatusPatch(PoolStatusValues v)
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
        return new JsonObject { ["status"] = status }.ToJsonString();
    }
}
