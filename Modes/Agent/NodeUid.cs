using Microsoft.Extensions.Logging;
using Purelb.Kube;

namespace Purelb.Modes.Agent;

/// <summary>The Node object's UID for the Lease's owner reference (so the Lease goes when the Node does).</summary>
public static class NodeUid
{
    public static async Task<string?> ReadAsync(KubeApiClient api, string node, ILogger log, CancellationToken ct)
    {
        for (int attempt = 1; attempt <= 5 && !ct.IsCancellationRequested; attempt++)
        {
            try
            {
                var obj = await api.GetOrNullAsync(KubeResources.Nodes, null, node, ct);
                if (obj is null)
                {
                    log.LogWarning("Node {Node} not found: the Lease gets no owner reference", node);
                    return null;
                }
                return obj.Metadata.Uid;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning("reading Node {Node} failed (attempt {Attempt}): {Error}", node, attempt, e.Message);
                try { await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), ct); }
                catch (OperationCanceledException) { }
            }
        }
        return null;
    }
}
