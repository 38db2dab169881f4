using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Purelb.Ipam.External;

namespace Purelb.Ipam.Netbox;

/// <summary>
/// One Netbox API endpoint: adds the auth header, bounds every request by the configured timeout,
/// and turns every answer that is not the expected JSON into an <see cref="ExternalIpamException"/>
/// with a message an operator can act on. Knows nothing about flows.
/// </summary>
internal sealed class NetboxConnection : IDisposable
{
    private const int MaxBodyInMessage = 160;

    private readonly HttpClient _http;
    private readonly NetboxPoolConfig _config;
    private readonly TimeProvider _time;

    public NetboxConnection(NetboxPoolConfig config, string token, HttpMessageHandler handler, bool disposeHandler, TimeProvider time)
    {
        if (string.IsNullOrWhiteSpace(token))
            throw new ExternalIpamException(ExternalIpamErrorKind.Unauthorized,
                $"the Netbox API token in {config.TokenSource} is empty");
        _config = config;
        _time = time;
        token = token.Trim();
        Scheme = SchemeFor(token, config.TokenScheme);
        _http = new HttpClient(handler, disposeHandler)
        {
            BaseAddress = config.ApiRoot,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(Scheme.ToString(), token);
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public NetboxTokenScheme Scheme { get; }

    /// <summary>Netbox decides the token version from the <c>nbt_</c> prefix; so do we unless told otherwise.</summary>
    public static NetboxTokenScheme SchemeFor(string token, NetboxTokenScheme configured) => configured switch
    {
        NetboxTokenScheme.Auto => token.StartsWith("nbt_", StringComparison.Ordinal) ? NetboxTokenScheme.Bearer : NetboxTokenScheme.Token,
        _ => configured,
    };

    public async Task<NetboxReply<T>> SendAsync<T>(HttpMethod method, string relativeUrl, string what,
        JsonTypeInfo<T> replyType, NbIpWrite? body, string? ifMatch, CancellationToken cancellationToken) where T : class
    {
        var (response, text) = await ExchangeAsync(method, relativeUrl, what, body, ifMatch, cancellationToken).ConfigureAwait(false);
        using (response)
        {
            var reply = Decode(response, text, replyType, method, relativeUrl, what);
            return new NetboxReply<T>(reply, response.Headers.ETag?.ToString());
        }
    }

    /// <summary>For requests whose answer has no body worth reading (DELETE → 204).</summary>
    public async Task SendAsync(HttpMethod method, string relativeUrl, string what, CancellationToken cancellationToken)
    {
        var (response, _) = await ExchangeAsync(method, relativeUrl, what, null, null, cancellationToken).ConfigureAwait(false);
        response.Dispose();
    }

    private async Task<(HttpResponseMessage, string)> ExchangeAsync(HttpMethod method, string relativeUrl, string what,
        NbIpWrite? body, string? ifMatch, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, relativeUrl);
        if (body is not null)
            request.Content = new StringContent(JsonSerializer.Serialize(body, NetboxJsonContext.Default.NbIpWrite),
                Encoding.UTF8, "application/json");
        if (ifMatch is not null)
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);

        using var deadline = new CancellationTokenSource(_config.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        HttpResponseMessage response;
        string text;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
            try
            {
                text = await response.Content.ReadAsStringAsync(linked.Token).ConfigureAwait(false);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ExternalIpamException(ExternalIpamErrorKind.Timeout,
                $"Netbox did not answer {method} {Describe(relativeUrl)} ({what}) within {_config.Timeout.TotalSeconds:0.#} s; the request may still have been applied, the next attempt looks for it first",
                inner: e);
        }
        catch (HttpRequestException e)
        {
            throw TransportFailure(e, method, relativeUrl, what);
        }

        if (!response.IsSuccessStatusCode)
        {
            using (response)
                throw StatusFailure(response, text, method, relativeUrl, what);
        }
        return (response, text);
    }

    private T Decode<T>(HttpResponseMessage response, string text, JsonTypeInfo<T> type, HttpMethod method, string url, string what)
        where T : class
    {
        string? mediaType = response.Content.Headers.ContentType?.MediaType;
        bool json = mediaType is not null && (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
        if (!json)
            throw new ExternalIpamException(ExternalIpamErrorKind.InvalidResponse,
                $"Netbox answered {method} {Describe(url)} ({what}) with {(int)response.StatusCode} and a {mediaType ?? "untyped"} body instead of JSON"
                + (LooksLikeHtml(text) ? " (an HTML page: a login page or a proxy in front of Netbox? check netbox.url and the token)" : "")
                + $": {Snippet(text)}", (int)response.StatusCode);
        try
        {
            return JsonSerializer.Deserialize(text, type)
                ?? throw new JsonException("null document");
        }
        catch (JsonException e)
        {
            throw new ExternalIpamException(ExternalIpamErrorKind.InvalidResponse,
                $"Netbox answered {method} {Describe(url)} ({what}) with JSON purelb cannot read ({e.Message}): {Snippet(text)}",
                (int)response.StatusCode, e);
        }
    }

    private ExternalIpamException StatusFailure(HttpResponseMessage response, string text, HttpMethod method, string url, string what)
    {
        int code = (int)response.StatusCode;
        string detail = Detail(text);
        string request = $"{method} {Describe(url)}";
        if (code is >= 300 and < 400)
        {
            string location = response.Headers.Location?.ToString() ?? "(no Location)";
            bool login = location.Contains("login", StringComparison.OrdinalIgnoreCase);
            return new ExternalIpamException(ExternalIpamErrorKind.Redirected,
                login
                    ? $"Netbox redirected {request} ({what}) to its login page {location}: it did not accept the API token from {_config.TokenSource} (scheme {Scheme}); check the token and that netbox.url is the Netbox root"
                    : $"Netbox redirected {request} ({what}) with {code} to {location}; purelb does not follow redirects: set netbox.url to the final address",
                code);
        }
        var kind = code switch
        {
            401 or 403 => ExternalIpamErrorKind.Unauthorized,
            404 => ExternalIpamErrorKind.NotFound,
            409 => ExternalIpamErrorKind.PoolExhausted,
            412 => ExternalIpamErrorKind.ConcurrentUpdate,
            408 or 429 => ExternalIpamErrorKind.ServerError,
            >= 500 => ExternalIpamErrorKind.ServerError,
            _ => ExternalIpamErrorKind.InvalidRequest,
        };
        string message = kind switch
        {
            ExternalIpamErrorKind.Unauthorized =>
                $"Netbox refused the API token from {_config.TokenSource} ({code}: {detail}) on {request} ({what}); "
                + $"check that the token is right for scheme {Scheme} (v2 tokens start with nbt_ and use Bearer), enabled, not expired, allowed from this address, "
                + "and has write permission on IPAM IP addresses",
            ExternalIpamErrorKind.NotFound => $"Netbox has no such object: {request} ({what}) → 404: {detail}",
            ExternalIpamErrorKind.PoolExhausted => $"Netbox pool exhausted: {request} ({what}) → 409: {detail}",
            ExternalIpamErrorKind.ConcurrentUpdate => $"the Netbox record changed under purelb: {request} ({what}) → 412: {detail}",
            ExternalIpamErrorKind.ServerError => $"Netbox failed: {request} ({what}) → {code}: {detail}",
            _ => $"Netbox rejected {request} ({what}) → {code}: {detail}",
        };
        return new ExternalIpamException(kind, message, code);
    }

    private ExternalIpamException TransportFailure(HttpRequestException e, HttpMethod method, string url, string what)
    {
        string request = $"{method} {Describe(url)}";
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationException)
                return new ExternalIpamException(ExternalIpamErrorKind.TlsFailure,
                    $"TLS to Netbox failed on {request} ({what}): {inner.Message}; "
                    + (_config.CaBundlePem is null ? "the server certificate is not trusted by the system roots: set netbox.caBundle or caSecretRef"
                        : "the server certificate does not chain to the configured CA bundle or does not name the host"), inner: e);
            if (inner is SocketException se)
                return new ExternalIpamException(ExternalIpamErrorKind.Unavailable,
                    $"cannot reach Netbox at {_config.ApiRoot.GetLeftPart(UriPartial.Authority)} ({request}, {what}): {se.SocketErrorCode}: {se.Message}", inner: e);
        }
        return new ExternalIpamException(ExternalIpamErrorKind.Unavailable,
            $"cannot reach Netbox at {_config.ApiRoot.GetLeftPart(UriPartial.Authority)} ({request}, {what}): {e.Message}", inner: e);
    }

    private string Describe(string relativeUrl) => new Uri(_config.ApiRoot, relativeUrl).PathAndQuery;

    /// <summary>Netbox's <c>{"detail": …}</c>, else its field errors or the start of the body.</summary>
    private static string Detail(string text)
    {
        if (text.Length == 0)
            return "(empty body)";
        if (text.TrimStart().StartsWith('{'))
        {
            try
            {
                var error = JsonSerializer.Deserialize(text, NetboxJsonContext.Default.NbError);
                if (!string.IsNullOrEmpty(error?.Detail))
                    return error.Detail;
            }
            catch (JsonException)
            {
            }
        }
        return LooksLikeHtml(text) ? "an HTML page: " + Snippet(text) : Snippet(text);
    }

    private static bool LooksLikeHtml(string text)
    {
        var start = text.AsSpan().TrimStart();
        return start.StartsWith("<!doctype html", StringComparison.OrdinalIgnoreCase)
            || start.StartsWith("<html", StringComparison.OrdinalIgnoreCase);
    }

    private static string Snippet(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxBodyInMessage) + 1);
        foreach (char c in text)
        {
            if (builder.Length == MaxBodyInMessage)
            {
                builder.Append('…');
                break;
            }
            builder.Append(char.IsControl(c) ? ' ' : c);
        }
        return builder.Length == 0 ? "(empty body)" : builder.ToString();
    }

    public void Dispose() => _http.Dispose();
}

internal readonly record struct NetboxReply<T>(T Body, string? ETag);
