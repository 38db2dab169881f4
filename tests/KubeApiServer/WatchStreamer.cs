using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace KubeApiServer;

/// <summary>
/// Serves ?watch=1 as a stream of JSON lines {"type","object"}: replay from a resourceVersion (or the
/// current state as ADDED), live events, periodic BOOKMARKs, and ERROR 410 for compacted versions.
/// </summary>
public sealed class WatchStreamer(ApiServer server)
{
    public async Task ServeAsync(HttpContext ctx, Target target, ListOptions options, bool asTable)
    {
        var q = ctx.Request.Query;
        var labels = LabelSelector.Parse(options.LabelSelector);
        var fieldText = options.FieldSelector;
        if (target.Name != null) fieldText = string.IsNullOrEmpty(fieldText) ? $"metadata.name={target.Name}" : $"{fieldText},metadata.name={target.Name}";
        var fields = FieldSelector.Parse(fieldText);
        bool bookmarks = HttpApi.IsTrue(q["allowWatchBookmarks"]) && !asTable;
        var includeObject = HttpApi.IncludeObject(q);
        TimeSpan? timeout = q["timeoutSeconds"].Count > 0 && int.TryParse(q["timeoutSeconds"].ToString(), out var ts) ? TimeSpan.FromSeconds(ts) : null;
        var type = target.Type;

        bool Passes(JsonObject? served) =>
            served != null
            && (target.Namespace == null || Json.Str(served, "metadata", "namespace") == target.Namespace)
            && (labels == null || labels.Matches(served))
            && (fields == null || fields.Matches(served));

        var initial = new List<(string Type, JsonObject Obj)>();
        var watcher = new Watcher(type.StorageKey);
        ApiError? tooOld = null;
        lock (server.Store.Lock)
        {
            var rvText = options.ResourceVersion;
            if (!string.IsNullOrEmpty(rvText) && rvText != "0")
            {
                if (!long.TryParse(rvText, out var rv)) throw ApiError.BadRequest($"invalid resource version \"{rvText}\"");
                if (rv < server.Store.CompactedThrough)
                    tooOld = ApiError.Gone($"too old resource version: {rv} ({server.Store.CompactedThrough + 1})");
                else
                    foreach (var e in server.Store.HistoryAfter(type.StorageKey, rv)) watcher.Offer(e);
            }
            else
            {
                foreach (var (_, stored) in server.Store.All(type.StorageKey))
                {
                    var served = Served(stored, type);
                    if (Passes(served)) initial.Add(("ADDED", served));
                }
            }
            if (tooOld == null) server.Store.AddWatcher(watcher);
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        ctx.Response.Headers.CacheControl = "no-cache, private";
        await ctx.Response.StartAsync(ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        bool headersSent = false;

        async Task SendAsync(string evType, JsonObject obj)
        {
            JsonNode payload = obj;
            if (asTable && evType != "ERROR")
            {
                var rv = Json.Str(obj, "metadata", "resourceVersion") ?? "";
                payload = Tables.Build(type.Columns, [obj], rv, null, includeObject, !headersSent);
                headersSent = true;
            }
            // Written straight from the node: it may be a stored object, which is only read (never cloned per watcher).
            var buffer = new ArrayBufferWriter<byte>(1024);
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Json.Compact.Encoder }))
            {
                w.WriteStartObject();
                w.WriteString("type", evType);
                w.WritePropertyName("object");
                payload.WriteTo(w);
                w.WriteEndObject();
            }
            buffer.Write("\n"u8);
            await ctx.Response.Body.WriteAsync(buffer.WrittenMemory, ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        }

        if (tooOld != null)
        {
            await SendAsync("ERROR", tooOld.ToStatus());
            return;
        }

        using var timeoutCts = timeout is { } t ? new CancellationTokenSource(t) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, timeoutCts.Token);
        try
        {
            foreach (var (t0, o) in initial) await SendAsync(t0, o);
            var reader = watcher.Reader;
            Task<bool>? wait = null;
            Task? tick = null;
            while (!linked.IsCancellationRequested)
            {
                wait ??= reader.WaitToReadAsync(linked.Token).AsTask();
                if (bookmarks) tick ??= Task.Delay(server.Options.BookmarkInterval, linked.Token);
                var done = tick == null ? wait : await Task.WhenAny(wait, tick);
                if (done == wait)
                {
                    var finished = wait;
                    wait = null;
                    if (!await finished)
                    {
                        // Dropped by fault injection: cut the connection like a network failure would.
                        ctx.Abort();
                        return;
                    }
                    while (reader.TryRead(out var entry))
                    {
                        var ev = Translate(entry, type, Passes);
                        if (ev != null) await SendAsync(ev.Value.Type, ev.Value.Obj);
                    }
                }
                else
                {
                    tick = null;
                    string? rv = null;
                    lock (server.Store.Lock)
                        if (reader.Count == 0) rv = server.Store.ResourceVersion.ToString();
                    if (rv != null)
                        await SendAsync("BOOKMARK", new JsonObject
                        {
                            ["kind"] = type.Kind, ["apiVersion"] = type.ApiVersion,
                            ["metadata"] = new JsonObject { ["resourceVersion"] = rv, ["creationTimestamp"] = null },
                        });
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            lock (server.Store.Lock) server.Store.RemoveWatcher(watcher);
        }
    }

    static JsonObject Served(JsonObject stored, ResourceType type) =>
        type.Behavior.StorageShapeIsServed ? stored : type.Behavior.FromStorage(stored);

    /// <summary>Turns a history entry into what this watcher sees, given its filters (a MODIFIED that leaves the filter is a DELETED).</summary>
    static (string Type, JsonObject Obj)? Translate(HistoryEntry e, ResourceType type, Func<JsonObject?, bool> passes)
    {
        // History entries are committed objects, never mutated again: where storage and served shapes agree they are
        // served as they are, read-only, like a list does.
        var now = Served(e.Object, type);
        var nowMatches = passes(now);
        if (e.Type != "MODIFIED") return nowMatches ? (e.Type, now) : null;
        var before = e.Previous == null ? null : Served(e.Previous, type);
        var beforeMatches = passes(before);
        if (nowMatches && beforeMatches) return ("MODIFIED", now);
        if (nowMatches) return ("ADDED", now);
        if (beforeMatches) return ("DELETED", now);
        return null;
    }
}
