using System.Net;
using System.Net.Http;
using System.Text;
using Purelb.Kube;

namespace Purelb.Tests.Kube;

/// <summary>An HTTP handler that records requests and answers from a test-supplied function.</summary>
internal sealed class StubHttp : HttpMessageHandler
{
    private readonly Func<Recorded, HttpResponseMessage> _respond;
    private readonly Lock _lock = new();
    private readonly List<Recorded> _requests = [];

    public sealed record Recorded(string Method, string PathAndQuery, string Body, string? ContentType)
    {
        public string Path => PathAndQuery.Split('?')[0];
        public override string ToString() => $"{Method} {PathAndQuery}";
    }

    public StubHttp(Func<Recorded, HttpResponseMessage> respond) => _respond = respond;

    public IReadOnlyList<Recorded> Requests { get { lock (_lock) return [.. _requests]; } }

    public KubeApiClient Client() => new(new HttpClient(this), new Uri("http://api.test/"));

    public static HttpResponseMessage Json(string json, HttpStatusCode code = HttpStatusCode.OK) =>
        new(code) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    public static HttpResponseMessage Status(HttpStatusCode code, string reason, string message) =>
        Json($$"""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"{{message}}","reason":"{{reason}}","code":{{(int)code}}}""", code);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(ct);
        var rec = new Recorded(request.Method.Method, request.RequestUri!.PathAndQuery, body, request.Content?.Headers.ContentType?.MediaType);
        lock (_lock) _requests.Add(rec);
        return _respond(rec);
    }
}
