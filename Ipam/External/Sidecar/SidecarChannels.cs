using System.Collections.Concurrent;
using System.Net.Sockets;
using Grpc.Net.Client;

namespace Purelb.Ipam.External.Sidecar;

/// <summary>
/// One gRPC channel per sidecar socket path, shared by every ServiceGroup that names it and kept
/// across configuration changes; disposed at shutdown. Channels connect lazily, so a sidecar that
/// is not up yet only shows as <see cref="ExternalIpamErrorKind.Unavailable"/> on the first call.
/// </summary>
public sealed class SidecarChannels : IDisposable
{
    public const string DefaultSocketPath = "/var/run/purelb/ipam.sock";

    private readonly ConcurrentDictionary<string, Lazy<GrpcChannel>> _channels = new(StringComparer.Ordinal);

    public GrpcChannel Get(string? socketPath)
    {
        string path = string.IsNullOrEmpty(socketPath) ? DefaultSocketPath : socketPath;
        return _channels.GetOrAdd(path, p => new Lazy<GrpcChannel>(() => Open(p))).Value;
    }

    /// <summary>A channel over a unix socket with plaintext HTTP/2, as the contract prescribes.</summary>
    public static GrpcChannel Open(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        // The authority is never resolved; the socket path decides where bytes go.
        return GrpcChannel.ForAddress("http://purelb-ipam-sidecar", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
        });
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            if (channel.IsValueCreated)
                channel.Value.Dispose();
        }
        _channels.Clear();
    }
}
