using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace KubeApiServer;

/// <summary>
/// HTTP face of fault injection for out-of-process tests (all POST, answers the fault state as JSON):
/// /_fault/drop-watches, /_fault/latency?ms=N, /_fault/fail-writes?count=N&amp;code=500|409[&amp;resource=plural],
/// /_fault/compact, /_fault/clear; GET /_fault shows the state.
/// </summary>
public static class FaultEndpoints
{
    public static async Task HandleAsync(ApiServer server, HttpContext ctx)
    {
        var path = ctx.Request.Path.Value!.TrimEnd('/');
        var q = ctx.Request.Query;
        int Int(string key, int fallback) => q[key].Count > 0 && int.TryParse(q[key].ToString(), out var v) ? v : fallback;
        if (path != "/_fault" && ctx.Request.Method != "POST") throw ApiError.MethodNotAllowed("fault endpoints take POST");
        switch (path)
        {
            case "/_fault": break;
            case "/_fault/drop-watches": server.DropAllWatches(); break;
            case "/_fault/latency": server.Faults.Latency = TimeSpan.FromMilliseconds(Int("ms", 0)); break;
            case "/_fault/fail-writes":
                var code = Int("code", 500);
                if (code is not (500 or 409)) throw ApiError.BadRequest("code must be 500 or 409");
                server.Faults.FailNextWrites(Int("count", 1), code, q["resource"].Count > 0 ? q["resource"].ToString() : null);
                break;
            case "/_fault/compact": server.CompactHistory(); break;
            case "/_fault/clear": server.Faults.Clear(); break;
            default: throw new ApiError(404, "NotFound", $"unknown fault endpoint {path}");
        }
        long rv, compacted;
        lock (server.Store.Lock) { rv = server.Store.ResourceVersion; compacted = server.Store.CompactedThrough; }
        await HttpApi.WriteJsonAsync(ctx, new JsonObject
        {
            ["latencyMs"] = (long)server.Faults.Latency.TotalMilliseconds,
            ["pendingWriteFailures"] = server.Faults.PendingWriteFailures,
            ["openWatches"] = server.OpenWatches,
            ["resourceVersion"] = rv.ToString(),
            ["compactedThrough"] = compacted.ToString(),
        });
    }
}
