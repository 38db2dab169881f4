using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s.Authentication;

namespace Purelb.Kube;

/// <summary>
/// The only code that talks HTTP to the API server. Requests are plain REST with source-generated JSON, so any
/// resource type (built-in or our CRDs) works given its path and <see cref="JsonTypeInfo{T}"/>. Every non-2xx
/// answer becomes a <see cref="KubeApiException"/>; transport failures surface as the
/// <see cref="HttpRequestException"/>/<see cref="IOException"/> they are, for <see cref="ApiError"/> to sort.
/// </summary>
public sealed class KubeApiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _baseUri;
    private readonly ServiceClientCredentials? _credentials;
    private readonly bool _ownsHttpClient;
    private readonly IDisposable? _owned;

    /// <param name="http">Client whose handler carries TLS settings; its Timeout must not be shorter than a watch
    /// needs to deliver headers.</param>
    /// <param name="baseUri">API server root, e.g. https://10.0.0.1:6443/.</param>
    /// <param name="credentials">Adds Authorization to each request (bearer token, token file, exec plugin).</param>
    /// <param name="owned">Disposed with this client (the library object that owns the handler).</param>
    public KubeApiClient(HttpClient http, Uri baseUri, ServiceClientCredentials? credentials = null, bool ownsHttpClient = false, IDisposable? owned = null)
    {
        _http = http;
        _baseUri = baseUri.AbsoluteUri.EndsWith('/') ? baseUri : new Uri(baseUri.AbsoluteUri + "/");
        _credentials = credentials;
        _ownsHttpClient = ownsHttpClient;
        _owned = owned;
    }

    public Uri BaseUri => _baseUri;

    /// <summary>Deadline for one non-watch request. Shutdown code may lower it (allocator.md §1.1).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public Task<T> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, path, null, type, ct);

    public Task<TList> ListAsync<TList>(string path, ListOptions options, JsonTypeInfo<TList> type, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, path + options.ToQueryString(), null, type, ct);

    public Task<T> CreateAsync<T>(string collectionPath, T body, JsonTypeInfo<T> type, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, collectionPath, JsonContent(body, type), type, ct);

    /// <summary>PUT: the body's metadata.resourceVersion is the precondition; a stale one gets 409 Conflict.</summary>
    public Task<T> ReplaceAsync<T>(string path, T body, JsonTypeInfo<T> type, CancellationToken ct) =>
        SendAsync(HttpMethod.Put, path, JsonContent(body, type), type, ct);

    public Task<T> PatchAsync<T>(string path, PatchKind kind, string patch, JsonTypeInfo<T> type, CancellationToken ct)
    {
        var content = new StringContent(patch, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(kind == PatchKind.Merge ? "application/merge-patch+json" : "application/json-patch+json");
        return SendAsync(HttpMethod.Patch, path, content, type, ct);
    }

    /// <summary>DELETE, optionally only if the object still has <paramref name="resourceVersion"/> (409 otherwise).</summary>
    public async Task DeleteAsync(string path, string? resourceVersion, CancellationToken ct)
    {
        HttpContent? content = null;
        if (resourceVersion is not null)
        {
            var options = new k8s.Models.V1DeleteOptions
            {
                ApiVersion = "v1",
                Kind = "DeleteOptions",
                Preconditions = new k8s.Models.V1Preconditions { ResourceVersion = resourceVersion },
            };
            content = JsonContent(options, KubeModelJsonContext.Default.V1DeleteOptions);
        }
        using var response = await SendRawAsync(HttpMethod.Delete, path, content, HttpCompletionOption.ResponseContentRead, RequestTimeout, ct).ConfigureAwait(false);
    }

    /// <summary>Opens a watch; the caller owns the response and reads its newline-delimited JSON body.</summary>
    public Task<HttpResponseMessage> OpenWatchAsync(string path, ListOptions options, CancellationToken ct) =>
        SendRawAsync(HttpMethod.Get, path + (options with { Watch = true }).ToQueryString(), null,
            HttpCompletionOption.ResponseHeadersRead, RequestTimeout, ct);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> type, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            using var response = await SendRawAsync(method, path, content, HttpCompletionOption.ResponseContentRead, null, timeout.Token).ConfigureAwait(false);
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            var result = await JsonSerializer.DeserializeAsync(body, type, timeout.Token).ConfigureAwait(false);
            return result ?? throw new KubeApiException(response.StatusCode, "EmptyBody", "the server returned no object", method.Method, path);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{method.Method} {path}: no answer within {RequestTimeout.TotalSeconds:0.###} s");
        }
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, HttpContent? content,
        HttpCompletionOption completion, TimeSpan? headerTimeout, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(_baseUri, path.TrimStart('/'))) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (_credentials is not null)
            await _credentials.ProcessHttpRequestAsync(request, ct).ConfigureAwait(false);

        HttpResponseMessage response;
        if (headerTimeout is { } limit)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(limit);
            try
            {
                response = await _http.SendAsync(request, completion, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"{method.Method} {path}: no response within {limit.TotalSeconds:0.#} s");
            }
        }
        else
        {
            try
            {
                response = await _http.SendAsync(request, completion, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"{method.Method} {path}: no response in time");
            }
        }

        if (response.IsSuccessStatusCode)
            return response;
        using (response)
            throw await ToExceptionAsync(response, method.Method, path, ct).ConfigureAwait(false);
    }

    private static async Task<KubeApiException> ToExceptionAsync(HttpResponseMessage response, string verb, string path, CancellationToken ct)
    {
        string text;
        try
        {
            text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            text = "";
        }
        var status = ParseStatus(text);
        TimeSpan? retryAfter = response.Headers.RetryAfter?.Delta;
        if (retryAfter is null && status?.Details?.RetryAfterSeconds is int seconds)
            retryAfter = TimeSpan.FromSeconds(seconds);
        var message = status?.Message ?? (text.Length > 512 ? text[..512] : text);
        return new KubeApiException(response.StatusCode, status?.Reason, message, verb, path) { RetryAfter = retryAfter };
    }

    internal static ApiStatus? ParseStatus(string text)
    {
        if (text.Length == 0 || text[0] != '{') return null;
        try
        {
            return JsonSerializer.Deserialize(text, KubeJsonContext.Default.ApiStatus);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static KubeApiException ToException(ApiStatus status, string verb, string path) =>
        new((HttpStatusCode)(status.Code == 0 ? 500 : status.Code), status.Reason, status.Message ?? "", verb, path);

    private static ByteArrayContent JsonContent<T>(T body, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, type));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    public void Dispose()
    {
        if (_ownsHttpClient) _http.Dispose();
        _owned?.Dispose();
    }
}
