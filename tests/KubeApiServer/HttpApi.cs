using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace KubeApiServer;

/// <summary>Maps HTTP requests onto <see cref="ApiServer"/>: routing, content negotiation, Status errors.</summary>
public sealed class HttpApi
{
    readonly ApiServer _server;
    readonly Discovery _discovery;
    readonly WatchStreamer _watch;

    public HttpApi(ApiServer server)
    {
        _server = server;
        _discovery = new Discovery(server);
        _watch = new WatchStreamer(server);
    }

    public async Task HandleAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        try
        {
            if (path.StartsWith("/_fault", StringComparison.Ordinal)) { await FaultEndpoints.HandleAsync(_server, ctx); return; }
            _server.RequestLog.Enqueue(new RequestRecord(ctx.Request.Method, path, ctx.Request.Query["watch"] is { Count: > 0 } w && w[0] is "1" or "true", ctx.Request.Headers.UserAgent.ToString()));
            var latency = _server.Faults.Latency;
            if (latency > TimeSpan.Zero) await Task.Delay(latency, ctx.RequestAborted);
            if (path is "/healthz" or "/readyz" or "/livez" || path.StartsWith("/healthz/", StringComparison.Ordinal) || path.StartsWith("/readyz/", StringComparison.Ordinal))
            {
                ctx.Response.ContentType = "text/plain; charset=utf-8";
                await ctx.Response.WriteAsync("ok");
                return;
            }
            if (await _discovery.TryHandleAsync(ctx, path)) return;
            await HandleResourceAsync(ctx, path);
        }
        catch (ApiError e)
        {
            await WriteStatusAsync(ctx, e);
        }
        catch (JsonException e)
        {
            await WriteStatusAsync(ctx, ApiError.BadRequest("the object provided is unrecognized or malformed: " + e.Message));
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug here must still answer like a server would, and say what broke.
            Console.Error.WriteLine($"KubeApiServer: {ctx.Request.Method} {ctx.Request.Path}{ctx.Request.QueryString} failed: {e}");
            await WriteStatusAsync(ctx, ApiError.Internal(e.GetType().Name + ": " + e.Message));
        }
    }

    internal static async Task WriteStatusAsync(HttpContext ctx, ApiError e)
    {
        if (ctx.Response.HasStarted) return;
        ctx.Response.StatusCode = e.Code;
        await WriteJsonAsync(ctx, e.ToStatus());
    }

    internal static async Task WriteJsonAsync(HttpContext ctx, JsonNode body)
    {
        ctx.Response.ContentType = "application/json";
        var bytes = Encoding.UTF8.GetBytes(Json.Serialize(body));
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
    }

    static ApiError NotFoundPath() =>
        new(404, "NotFound", "the server could not find the requested resource", new JsonObject());

    async Task HandleResourceAsync(HttpContext ctx, string path)
    {
        var segs = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToList();
        string group, version;
        int i;
        if (segs.Count >= 2 && segs[0] == "api") { group = ""; version = segs[1]; i = 2; }
        else if (segs.Count >= 3 && segs[0] == "apis") { group = segs[1]; version = segs[2]; i = 3; }
        else throw NotFoundPath();
        var rest = segs.Skip(i).ToList();
        var query = ctx.Request.Query;
        bool watch = IsTrue(query["watch"]);
        if (rest.Count > 0 && rest[0] == "watch") { watch = true; rest.RemoveAt(0); }
        string? ns = null;
        ResourceType? type;
        lock (_server.Store.Lock)
        {
            if (rest.Count >= 3 && rest[0] == "namespaces" && _server.Registry.Find(group, version, rest[2]) is { Namespaced: true })
            {
                ns = rest[1];
                rest = rest.Skip(2).ToList();
            }
            if (rest.Count == 0 || rest.Count > 3) throw NotFoundPath();
            type = _server.Registry.Find(group, version, rest[0]);
        }
        if (type == null) throw NotFoundPath();
        var name = rest.Count >= 2 ? rest[1] : null;
        var sub = rest.Count == 3 ? rest[2] : null;
        if (sub != null && !(sub == "status" && type.HasStatus)) throw NotFoundPath();
        if (!type.Namespaced && ns != null) throw NotFoundPath();
        if (type.Namespaced && name != null && ns == null) throw NotFoundPath();
        var target = new Target(type, ns, name, sub);
        var method = ctx.Request.Method;
        var write = new WriteOptions
        {
            DryRun = query["dryRun"].Count > 0 && query["dryRun"].ToString() == "All",
            FieldValidation = query["fieldValidation"].Count > 0 ? query["fieldValidation"].ToString() : "Warn",
        };
        if (write.FieldValidation is not ("Strict" or "Warn" or "Ignore"))
            throw ApiError.BadRequest($"fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\"; got \"{write.FieldValidation}\"");

        if (method == "GET" && watch)
        {
            await _watch.ServeAsync(ctx, target, ListOptionsFrom(query), TableRequested(ctx));
            return;
        }
        int code;
        JsonObject result;
        switch (method)
        {
            case "GET" when name == null:
            {
                var list = _server.List(target, ListOptionsFrom(query), shareStored: true);
                if (!TableRequested(ctx))
                {
                    await WriteListAsync(ctx, type, list);
                    return;
                }
                code = 200;
                result = Tables.Build(type.Columns, list.Items, list.ResourceVersion, list.Continue, IncludeObject(query), !IsTrue(query["noHeaders"]));
                break;
            }
            case "GET":
            {
                var obj = _server.Get(target);
                code = 200;
                result = TableRequested(ctx)
                    ? Tables.Build(type.Columns, [obj], Json.Str(obj, "metadata", "resourceVersion") ?? "", null, IncludeObject(query), true)
                    : obj;
                break;
            }
            case "POST" when name == null:
                (code, result) = _server.Create(target, await ReadObjectAsync(ctx), write);
                break;
            case "PUT" when name != null:
                (code, result) = _server.Update(target, await ReadObjectAsync(ctx), write);
                break;
            case "PATCH" when name != null:
            {
                var contentType = (ctx.Request.ContentType ?? "").Split(';')[0].Trim();
                (code, result) = _server.Patch(target, contentType, await ReadBodyAsync(ctx), write);
                break;
            }
            case "DELETE" when name != null:
                (code, result) = _server.Delete(target, await ReadBodyAsync(ctx) as JsonObject, write);
                break;
            case "DELETE":
                code = 200;
                result = _server.DeleteCollection(target, ListOptionsFrom(query), write);
                break;
            default:
                throw ApiError.MethodNotAllowed($"the server does not allow this method on the requested resource");
        }
        foreach (var w in write.Warnings) ctx.Response.Headers.Append("Warning", $"299 - \"{w.Replace("\"", "\\\"")}\"");
        ctx.Response.StatusCode = code;
        await WriteJsonAsync(ctx, result);
    }

    /// <summary>Streams a list without copying its items (they may be the stored objects).</summary>
    static async Task WriteListAsync(HttpContext ctx, ResourceType type, ApiServer.ListResult list)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = Json.Compact.Encoder }))
        {
            w.WriteStartObject();
            w.WriteString("kind", type.Kind + "List");
            w.WriteString("apiVersion", type.ApiVersion);
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", list.ResourceVersion);
            if (list.Continue != null) w.WriteString("continue", list.Continue);
            if (list.Remaining != null) w.WriteNumber("remainingItemCount", list.Remaining.Value);
            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var item in list.Items) item.WriteTo(w);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        ctx.Response.ContentLength = buffer.Length;
        buffer.Position = 0;
        await buffer.CopyToAsync(ctx.Response.Body, ctx.RequestAborted);
    }

    internal static bool IsTrue(Microsoft.Extensions.Primitives.StringValues v) =>
        v.Count > 0 && (v.ToString() is "1" or "true" or "True");

    internal static string IncludeObject(IQueryCollection q) =>
        q["includeObject"].Count > 0 ? q["includeObject"].ToString() : "Metadata";

    internal static bool TableRequested(HttpContext ctx) =>
        ctx.Request.Headers.Accept.ToString().Split(',').FirstOrDefault()?.Contains("as=Table", StringComparison.Ordinal) == true;

    internal static ListOptions ListOptionsFrom(IQueryCollection q)
    {
        int limit = 0;
        if (q["limit"].Count > 0 && !int.TryParse(q["limit"].ToString(), out limit)) throw ApiError.BadRequest("limit must be an integer");
        string? S(string k) => q[k].Count > 0 ? q[k].ToString() : null;
        return new ListOptions(S("labelSelector"), S("fieldSelector"), S("resourceVersion"), S("resourceVersionMatch"), limit, S("continue"));
    }

    static async Task<JsonNode?> ReadBodyAsync(HttpContext ctx)
    {
        using var ms = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(ms, ctx.RequestAborted);
        var bytes = ms.ToArray();
        if (bytes.Length == 0) return null;
        var ct = ctx.Request.ContentType ?? "";
        if (ct.StartsWith("application/vnd.kubernetes.protobuf", StringComparison.Ordinal)) return ProtobufBody.Decode(bytes);
        if (ct.Contains("cbor", StringComparison.Ordinal))
            throw new ApiError(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf");
        var text = Encoding.UTF8.GetString(bytes);
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (ct.StartsWith("application/yaml", StringComparison.Ordinal))
            return Yaml.ParseDocuments(text).FirstOrDefault();
        return JsonNode.Parse(text);
    }

    static async Task<JsonObject> ReadObjectAsync(HttpContext ctx) =>
        await ReadBodyAsync(ctx) as JsonObject ?? throw ApiError.BadRequest("the body of the request must be an object");
}
