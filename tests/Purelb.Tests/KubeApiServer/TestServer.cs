using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using KubeApiServer;

namespace Purelb.Tests.KubeApiServer;

/// <summary>A fresh in-process API server with the test CRDs, and a raw HttpClient on it.</summary>
public sealed class TestServer : IAsyncDisposable
{
    public KubeApiServerHost Host { get; }
    public ApiServer Api => Host.Server;
    public HttpClient Http { get; }

    TestServer(KubeApiServerHost host)
    {
        Host = host;
        Http = new HttpClient { BaseAddress = new Uri(host.BaseUrl), Timeout = TimeSpan.FromSeconds(20) };
    }

    public static async Task<TestServer> StartAsync(Action<ApiServerOptions>? configure = null, string listen = "127.0.0.1:0")
    {
        var options = new ApiServerOptions { CrdDirectory = TestCrdDirectory };
        configure?.Invoke(options);
        return new TestServer(await KubeApiServerHost.StartAsync(listen, options));
    }

    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "purelb.csproj"))) return dir.FullName;
            throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
        }
    }

    public static string TestCrdDirectory => Path.Combine(RepoRoot, "tests", "Purelb.Tests", "KubeApiServer", "TestCrds");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }

    public sealed record Reply(HttpStatusCode Code, JsonNode? Body, HttpResponseMessage Raw)
    {
        public JsonObject Obj => Body as JsonObject ?? throw new InvalidOperationException($"not an object: {Body?.ToJsonString()}");
        public string? Str(params string[] path)
        {
            JsonNode? n = Body;
            foreach (var p in path) n = n is JsonObject o ? o[p] : null;
            return n?.ToString();
        }
        public long ResourceVersion => long.Parse(Str("metadata", "resourceVersion")!);
    }

    public async Task<Reply> SendAsync(HttpMethod method, string path, JsonNode? body = null, string contentType = "application/json", string? accept = null)
    {
        using var req = new HttpRequestMessage(method, path);
        if (body != null) req.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, contentType);
        if (accept != null) req.Headers.TryAddWithoutValidation("Accept", accept);
        var resp = await Http.SendAsync(req);
        var text = await resp.Content.ReadAsStringAsync();
        JsonNode? parsed = null;
        if (resp.Content.Headers.ContentType?.MediaType == "application/json" && text.Length > 0) parsed = JsonNode.Parse(text);
        else if (text.Length > 0) parsed = JsonValue.Create(text);
        return new Reply(resp.StatusCode, parsed, resp);
    }

    public Task<Reply> GetAsync(string path, string? accept = null) => SendAsync(HttpMethod.Get, path, accept: accept);
    public Task<Reply> PostAsync(string path, JsonNode body) => SendAsync(HttpMethod.Post, path, body);
    public Task<Reply> PutAsync(string path, JsonNode body) => SendAsync(HttpMethod.Put, path, body);
    public Task<Reply> PatchAsync(string path, JsonNode body, string type = "application/merge-patch+json") => SendAsync(HttpMethod.Patch, path, body, type);
    public Task<Reply> DeleteAsync(string path, JsonNode? body = null) => SendAsync(HttpMethod.Delete, path, body);

    public static JsonObject Service(string name, string type = "ClusterIP", JsonObject? labels = null, int port = 80) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels ?? new JsonObject() },
        ["spec"] = new JsonObject
        {
            ["type"] = type,
            ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = port }),
        },
    };

    public static JsonObject Widget(string name, string color = "red", JsonObject? extraSpec = null)
    {
        var spec = new JsonObject { ["color"] = color };
        if (extraSpec != null) foreach (var (k, v) in extraSpec) spec[k] = v?.DeepClone();
        return new JsonObject
        {
            ["apiVersion"] = "example.com/v1", ["kind"] = "Widget",
            ["metadata"] = new JsonObject { ["name"] = name }, ["spec"] = spec,
        };
    }

    public const string Services = "/api/v1/namespaces/default/services";
    public const string Widgets = "/apis/example.com/v1/namespaces/default/widgets";

    /// <summary>Opens a watch and yields its events, one JSON object per line.</summary>
    public async Task<WatchReader> WatchAsync(string pathAndQuery, string? accept = null)
    {
        var req = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        if (accept != null) req.Headers.TryAddWithoutValidation("Accept", accept);
        var resp = await Http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead);
        return new WatchReader(resp, await resp.Content.ReadAsStreamAsync());
    }
}

public sealed class WatchReader(HttpResponseMessage response, Stream stream) : IDisposable
{
    readonly StreamReader _reader = new(stream);
    public HttpResponseMessage Response => response;

    /// <summary>The next event, or null when the stream ends or nothing arrives within the timeout.</summary>
    public async Task<JsonObject?> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        try
        {
            var line = await _reader.ReadLineAsync(cts.Token);
            return line == null ? null : JsonNode.Parse(line)!.AsObject();
        }
        catch (OperationCanceledException) { return null; }
        catch (IOException) when (cts.IsCancellationRequested) { return null; } // our own timeout tore the read down
    }

    /// <summary>Next event that is not a bookmark.</summary>
    public async Task<JsonObject> NextChangeAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var e = await NextAsync(timeout) ?? throw new TimeoutException("no watch event arrived");
            if ((string?)e["type"] != "BOOKMARK") return e;
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        response.Dispose();
    }
}
