using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Purelb.Modes.Observability;

/// <summary>
/// A deliberately tiny HTTP/1.1 server for /metrics, /healthz and /readyz. The product carries no web
/// framework (size and memory on every node); scrapers and kubelet probes need only GET.
/// </summary>
public sealed class ObservabilityServer : IAsyncDisposable
{
    private readonly MetricRegistry _metrics;
    private readonly HealthChecks _health;
    private readonly ILogger _logger;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private Task? _acceptLoop;

    public ObservabilityServer(string address, MetricRegistry metrics, HealthChecks health, ILogger logger)
    {
        _metrics = metrics;
        _health = health;
        _logger = logger;
        var endPoint = ParseEndPoint(address);
        _listener = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (endPoint.AddressFamily == AddressFamily.InterNetworkV6) _listener.DualMode = true;
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(endPoint);
        _listener.Listen(64);
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    /// <summary>":7472" (all interfaces), "127.0.0.1:0", "[::1]:9000".</summary>
    public static IPEndPoint ParseEndPoint(string address)
    {
        if (address.StartsWith(':')) return new IPEndPoint(IPAddress.IPv6Any, ParsePort(address[1..], address));
        if (IPEndPoint.TryParse(address, out var endPoint)) return endPoint;
        throw new FormatException($"'{address}' is not an address:port such as :7472 or 127.0.0.1:7472");
    }

    private static int ParsePort(string text, string whole) =>
        int.TryParse(text, out var port) && port is >= 0 and <= 65535
            ? port
            : throw new FormatException($"'{whole}' has no valid port");

    public void Start() => _acceptLoop = AcceptLoopAsync(_stop.Token);

    private async Task AcceptLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptAsync(ct); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            catch (SocketException e)
            {
                _logger.LogWarning("metrics listener accept failed: {Error}", e.Message);
                continue;
            }
            _ = ServeAsync(client, ct);
        }
    }

    private async Task ServeAsync(Socket client, CancellationToken ct)
    {
        using var _ = client;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var buffer = new byte[4096];
            int filled = 0;
            while (filled < buffer.Length)
            {
                int n = await client.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, timeout.Token);
                if (n == 0) break;
                filled += n;
                if (buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8) >= 0) break;
            }
            var requestLine = Encoding.ASCII.GetString(buffer, 0, filled).Split("\r\n", 2)[0].Split(' ');
            var (status, contentType, body) = requestLine.Length >= 2 && requestLine[0] is "GET" or "HEAD"
                ? Route(requestLine[1].Split('?')[0])
                : (405, "text/plain", "method not allowed\n");
            var payload = Encoding.UTF8.GetBytes(body);
            var header = $"HTTP/1.1 {status} {Reason(status)}\r\nContent-Type: {contentType}\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
            await client.SendAsync(Encoding.ASCII.GetBytes(header), SocketFlags.None, timeout.Token);
            if (requestLine[0] != "HEAD") await client.SendAsync(payload, SocketFlags.None, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
        {
            // A scraper that goes away mid-request is not our problem to report.
        }
    }

    private (int, string, string) Route(string path) => path switch
    {
        "/metrics" => (200, "text/plain; version=0.0.4; charset=utf-8", _metrics.Render()),
        "/healthz" or "/livez" => Health(_health.Live()),
        "/readyz" => Health(_health.Ready()),
        _ => (404, "text/plain", "not found\n"),
    };

    private static (int, string, string) Health((bool Ok, string Report) result) =>
        (result.Ok ? 200 : 503, "text/plain; charset=utf-8", result.Report);

    private static string Reason(int status) => status switch
    {
        200 => "OK", 404 => "Not Found", 405 => "Method Not Allowed", 503 => "Service Unavailable", _ => "Error",
    };

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        if (_acceptLoop is not null) await _acceptLoop;
        _stop.Dispose();
    }
}
