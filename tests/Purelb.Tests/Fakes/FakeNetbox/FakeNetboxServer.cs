using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Purelb.Tests.Fakes.FakeNetbox;

/// <summary>
/// An in-process Netbox faithful to bgp-and-ipam.md §4.4, on 127.0.0.1 with a free port (HTTP, or
/// HTTPS with a given certificate). Tests seed <see cref="Store"/>, read <see cref="Requests"/>,
/// queue faults with <see cref="Inject"/>, and switch ETags off to imitate Netbox before 4.6.
/// </summary>
public sealed class FakeNetboxServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FakeNetboxApi _api;
    private readonly List<FakeNetboxRequest> _log = [];
    private readonly List<(FakeFault Fault, int Remaining)> _faults = [];
    private readonly object _gate = new();

    private FakeNetboxServer(WebApplication app, FakeNetboxStore store)
    {
        _app = app;
        Store = store;
        _api = new FakeNetboxApi(store, () => EtagSupport);
    }

    public FakeNetboxStore Store { get; }

    /// <summary>Root URL, e.g. <c>http://127.0.0.1:40123/</c> (the client adds <c>api/</c>).</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>Netbox 4.6+ sends weak ETags and honours If-Match; false imitates older servers.</summary>
    public bool EtagSupport { get; set; } = true;

    public static async Task<FakeNetboxServer> StartAsync(X509Certificate2? certificate = null, TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
                listen.UseHttps(certificate);
        }));
        var app = builder.Build();
        var server = new FakeNetboxServer(app, new FakeNetboxStore(time));
        app.Run(server.HandleAsync);
        await app.StartAsync().ConfigureAwait(false);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = address.TrimEnd('/') + "/";
        return server;
    }

    /// <summary>Applies <paramref name="fault"/> to the next <paramref name="count"/> matching /api/ requests.</summary>
    public void Inject(FakeFault fault, int count = 1)
    {
        lock (_gate) _faults.Add((fault, count));
    }

    public void ClearFaults()
    {
        lock (_gate) _faults.Clear();
    }

    public IReadOnlyList<FakeNetboxRequest> Requests
    {
        get { lock (_gate) return _log.ToList(); }
    }

    public void ClearLog()
    {
        lock (_gate) _log.Clear();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        string body;
        using (var reader = new StreamReader(request.Body, Encoding.UTF8))
            body = await reader.ReadToEndAsync().ConfigureAwait(false);
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var entry = new FakeNetboxRequest(request.Method, request.Path.Value ?? "/", request.QueryString.Value ?? "", headers, body);
        lock (_gate) _log.Add(entry);

        var fault = TakeFault(entry);
        if (fault is not null)
        {
            switch (fault.Kind)
            {
                case FakeFaultKind.Status:
                    await Write(context, entry, FakeNetboxApi.Error(fault.Status, $"Injected failure {fault.Status}.")).ConfigureAwait(false);
                    return;
                case FakeFaultKind.LoginRedirect:
                    entry.ResponseStatus = 302;
                    context.Response.StatusCode = 302;
                    context.Response.Headers.Location = "/login/?next=" + Uri.EscapeDataString(entry.Path + entry.Query);
                    context.Response.ContentType = "text/html; charset=utf-8";
                    await context.Response.WriteAsync("<!DOCTYPE html><html><head><title>Home | NetBox</title></head><body>Redirecting to login</body></html>").ConfigureAwait(false);
                    return;
                case FakeFaultKind.HtmlPage:
                    entry.ResponseStatus = 200;
                    context.Response.ContentType = "text/html; charset=utf-8";
                    await context.Response.WriteAsync("<!DOCTYPE html>\n<html><head><title>Log In | NetBox</title></head><body><form action=\"/login/\"></form></body></html>").ConfigureAwait(false);
                    return;
                case FakeFaultKind.NonJson:
                    entry.ResponseStatus = 200;
                    context.Response.ContentType = "application/json";
                    await context.Response.WriteAsync("Internal proxy says: upstream hiccup").ConfigureAwait(false);
                    return;
                case FakeFaultKind.DelayBefore:
                    // Not cancelled by the client going away: Netbox finishes what it started.
                    await Task.Delay(fault.Delay).ConfigureAwait(false);
                    if (fault.Until is not null)
                        await fault.Until.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
                    break;
            }
        }

        var response = Process(context, entry, body);
        if (fault?.Kind == FakeFaultKind.LoseAnswer)
        {
            entry.ResponseStatus = -response.Status;
            context.Abort();
            return;
        }
        if (fault?.Kind == FakeFaultKind.DelayAnswer)
        {
            try
            {
                await Task.Delay(fault.Delay, context.RequestAborted).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                entry.ResponseStatus = -response.Status;
                return;
            }
        }
        await Write(context, entry, response).ConfigureAwait(false);
    }

    private FakeResponse Process(HttpContext context, FakeNetboxRequest entry, string body)
    {
        if (!entry.Path.StartsWith("/api/", StringComparison.Ordinal))
            return FakeNetboxApi.Error(404, "Not found.");
        if (!entry.Path.EndsWith('/'))
            return new FakeResponse(301, null) { };

        string? auth = entry.Header("Authorization");
        var (token, error) = Authenticate(auth);
        if (error is not null)
            return FakeNetboxApi.Error(403, error);

        var query = context.Request.Query.ToDictionary(q => q.Key, q => q.Value);
        string baseUrl = $"{context.Request.Scheme}://{context.Request.Host}";
        return _api.Handle(entry.Method, entry.Path, query, body, entry.Header("If-Match"), baseUrl, token!.WriteEnabled);
    }

    /// <summary>Netbox's token rules: scheme keyword decides v1 (Token) or v2 (Bearer nbt_…).</summary>
    private (FakeToken?, string?) Authenticate(string? header)
    {
        if (string.IsNullOrEmpty(header))
            return (null, "Authentication credentials were not provided.");
        int space = header.IndexOf(' ');
        if (space <= 0 || space == header.Length - 1)
            return (null, "Invalid token header. No credentials provided.");
        string scheme = header[..space], value = header[(space + 1)..];
        FakeToken? token;
        lock (Store.Lock) token = Store.Tokens.FirstOrDefault(t => t.Value == value);
        switch (scheme)
        {
            case "Token":
                return token is { IsV2: false } && !value.StartsWith("nbt_", StringComparison.Ordinal) ? (token, null) : (null, "Invalid v1 token");
            case "Bearer":
                return token is { IsV2: true } ? (token, null) : (null, "Invalid v2 token");
            default:
                return (null, "Invalid token header. No credentials provided.");
        }
    }

    private static async Task Write(HttpContext context, FakeNetboxRequest entry, FakeResponse response)
    {
        entry.ResponseStatus = response.Status;
        context.Response.StatusCode = response.Status;
        if (response.Status == 301)
        {
            context.Response.Headers.Location = entry.Path + "/" + entry.Query;
            return;
        }
        if (response.ETag is not null)
            context.Response.Headers.ETag = response.ETag;
        if (response.Body is not null)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(response.Body.ToJsonString()).ConfigureAwait(false);
        }
    }

    private FakeFault? TakeFault(FakeNetboxRequest entry)
    {
        if (!entry.Path.StartsWith("/api/", StringComparison.Ordinal))
            return null;
        lock (_gate)
        {
            for (int i = 0; i < _faults.Count; i++)
            {
                var (fault, remaining) = _faults[i];
                if (fault.Match is not null && !fault.Match(entry))
                    continue;
                if (remaining <= 1)
                    _faults.RemoveAt(i);
                else
                    _faults[i] = (fault, remaining - 1);
                return fault;
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
