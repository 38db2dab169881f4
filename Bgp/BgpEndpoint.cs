using System.Net.Sockets;
using Grpc.Net.Client;

namespace Purelb.Bgp;

/// <summary>Where gobgpd's gRPC API listens: a unix socket (the k8gobgp sidecar's default) or a TCP host:port (h2c).</summary>
public sealed record BgpEndpoint
{
    /// <summary>The socket k8gobgp's entrypoint starts gobgpd with, on the emptyDir shared with the agent.</summary>
    public const string Default = "unix:///var/run/gobgp/gobgp.sock";

    private BgpEndpoint(string? socketPath, Uri? address)
    {
        SocketPath = socketPath;
        Address = address;
    }

    /// <summary>Set for a unix-socket endpoint.</summary>
    public string? SocketPath { get; }

    /// <summary>Set for a TCP endpoint (always http://, gobgpd speaks cleartext HTTP/2).</summary>
    public Uri? Address { get; }

    /// <summary>Accepts <c>unix:///abs/path</c>, <c>host:port</c>, <c>[v6]:port</c> and <c>http://host:port</c>.</summary>
    public static BgpEndpoint Parse(string text)
    {
        if (!TryParse(text, out var endpoint, out var error)) throw new FormatException(error);
        return endpoint;
    }

    public static bool TryParse(string? text, out BgpEndpoint endpoint, out string error)
    {
        endpoint = null!;
        error = "";
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            error = "empty GoBGP endpoint";
            return false;
        }
        if (text.StartsWith("unix://", StringComparison.Ordinal))
        {
            var path = text["unix://".Length..];
            if (!path.StartsWith('/'))
            {
                error = $"GoBGP endpoint '{text}': a unix socket needs an absolute path (unix:///path)";
                return false;
            }
            endpoint = new BgpEndpoint(path, null);
            return true;
        }
        if (text.StartsWith("https://", StringComparison.Ordinal))
        {
            error = $"GoBGP endpoint '{text}': gobgpd's API is cleartext; use host:port";
            return false;
        }
        var withScheme = text.StartsWith("http://", StringComparison.Ordinal) ? text : "http://" + text;
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) || uri.IsDefaultPort || uri.AbsolutePath != "/")
        {
            error = $"GoBGP endpoint '{text}': expected unix:///path or host:port";
            return false;
        }
        endpoint = new BgpEndpoint(null, uri);
        return true;
    }

    public override string ToString() => SocketPath is not null ? "unix://" + SocketPath : $"{Address!.Host}:{Address.Port}";

    /// <summary>A channel with connection settings suited to a local daemon that may restart under us.</summary>
    internal GrpcChannel CreateChannel()
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(2),
            // A TCP peer that vanishes without a reset is noticed by HTTP/2 pings, not after minutes.
            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            EnableMultipleHttp2Connections = false,
        };
        if (SocketPath is { } path)
        {
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        // The authority is irrelevant on a unix socket; gobgpd ignores it.
        return GrpcChannel.ForAddress(Address ?? new Uri("http://localhost"), new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
        });
    }
}
