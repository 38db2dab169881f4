using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Net.Client;
using Purelb.Bgp.V3;
using Purelb.Bgp.V4;

namespace Purelb.Bgp;

/// <summary>
/// A typed connection to one gobgpd. The API generation is found at connect time: v4 first (what k8gobgp
/// runs), and an Unimplemented answer means the daemon speaks v3. Every failure is a <see cref="BgpException"/>.
/// This client only reads state and adds/deletes paths; it never configures peers or starts BGP.
/// </summary>
public sealed class GobgpClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly IGobgpGeneration _api;
    private readonly TimeSpan _callTimeout;

    private GobgpClient(BgpEndpoint endpoint, GrpcChannel channel, IGobgpGeneration api, BgpGlobal global, TimeSpan callTimeout)
    {
        Endpoint = endpoint;
        _channel = channel;
        _api = api;
        GlobalAtConnect = global;
        _callTimeout = callTimeout;
    }

    public BgpEndpoint Endpoint { get; }

    public GobgpApiVersion Version => _api.Version;

    /// <summary>GetBgp's answer during detection (ASN 0 = BGP not started yet).</summary>
    public BgpGlobal GlobalAtConnect { get; }

    /// <param name="version">Skip detection and use this generation.</param>
    /// <param name="callTimeout">Deadline of each unary call and of each ListPath/ListPeer stream (default 5 s).</param>
    public static async Task<GobgpClient> ConnectAsync(BgpEndpoint endpoint, GobgpApiVersion? version = null,
        TimeSpan? callTimeout = null, CancellationToken cancellationToken = default)
    {
        var timeout = callTimeout ?? TimeSpan.FromSeconds(5);
        var channel = endpoint.CreateChannel();
        try
        {
            IGobgpGeneration[] candidates = version switch
            {
                GobgpApiVersion.V3 => [new GobgpV3Generation(channel)],
                GobgpApiVersion.V4 => [new GobgpV4Generation(channel)],
                _ => [new GobgpV4Generation(channel), new GobgpV3Generation(channel)],
            };
            foreach (var api in candidates)
            {
                try
                {
                    var global = await api.GetBgpAsync(DateTime.UtcNow + timeout, cancellationToken).ConfigureAwait(false);
                    return new GobgpClient(endpoint, channel, api, global, timeout);
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
                {
                    // The other generation, if any is left to try.
                }
                catch (RpcException e) when (endpoint.SocketPath is { } path && !Path.Exists(path))
                {
                    // gRPC would report the connect failure against its placeholder authority (localhost:80).
                    throw new BgpException(BgpError.Unavailable,
                        $"no gobgpd socket at {path}: is the k8gobgp sidecar running and sharing the socket's volume?", e);
                }
                catch (RpcException e)
                {
                    throw BgpException.From(e, $"GetBgp on {endpoint}");
                }
            }
            throw new BgpException(BgpError.Unimplemented,
                $"{endpoint} answers neither /api.GoBgpService (v4) nor /apipb.GobgpApi (v3)");
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    public Task<BgpGlobal> GetBgpAsync(CancellationToken cancellationToken = default) =>
        CallAsync("GetBgp", d => _api.GetBgpAsync(d, cancellationToken));

    /// <summary>Announces a route (origin IGP). Adding the same prefix again replaces the earlier path.</summary>
    /// <returns>The path's uuid, useful only for logging: we withdraw by path.</returns>
    public Task<byte[]> AddPathAsync(BgpRoute route, CancellationToken cancellationToken = default)
    {
        CheckAnnounceable(route);
        return CallAsync($"AddPath {route}", d => _api.AddPathAsync(route, d, cancellationToken));
    }

    /// <summary>Withdraws this daemon's local path for the route's prefix, whatever its next hop. A prefix that
    /// is not in the RIB is not an error, so this is idempotent. The request always names the path: an empty
    /// DeletePath would remove every local path.</summary>
    public Task DeletePathAsync(BgpRoute route, CancellationToken cancellationToken = default)
    {
        CheckSameFamily(route);
        return CallAsync($"DeletePath {route.Prefix}", async d =>
        {
            await _api.DeletePathAsync(route, d, cancellationToken).ConfigureAwait(false);
            return true;
        });
    }

    /// <summary>Every path of one family in the global RIB (local and learned; see <see cref="BgpRibPath.IsOwnedByApi"/>).</summary>
    public Task<List<BgpRibPath>> ListPathAsync(AddressFamily family, CancellationToken cancellationToken = default) =>
        CallAsync($"ListPath {family}", d => _api.ListPathAsync(family, d, cancellationToken));

    public Task<List<BgpPeer>> ListPeerAsync(CancellationToken cancellationToken = default) =>
        CallAsync("ListPeer", d => _api.ListPeerAsync(d, cancellationToken));

    /// <summary>Peer events: a replay of current peers, END_OF_INIT, then live state changes. The stream ends
    /// (with a <see cref="BgpException"/>) when the daemon goes away, which is how a restart is noticed.</summary>
    public async IAsyncEnumerable<BgpPeerEvent> WatchPeerEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var events = _api.WatchPeerAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            bool more;
            try
            {
                more = await events.MoveNextAsync().ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                throw BgpException.From(e, "WatchEvent");
            }
            if (!more) yield break;
            yield return events.Current;
        }
    }

    public void Dispose() => _channel.Dispose();

    private async Task<T> CallAsync<T>(string operation, Func<DateTime, Task<T>> call)
    {
        try
        {
            return await call(DateTime.UtcNow + _callTimeout).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw BgpException.From(e, operation);
        }
    }

    private static void CheckSameFamily(BgpRoute route)
    {
        if (route.NextHop.AddressFamily != route.Family)
            throw new BgpException(BgpError.InvalidArgument, $"{route}: next hop family differs from the prefix's");
    }

    // The IPv6 trap: GoBGP turns an unspecified IPv6 next hop into the IPv4 address of an IPv4 peering,
    // which routers drop. An IPv6 announcement must carry the node's own global IPv6 address.
    private static void CheckAnnounceable(BgpRoute route)
    {
        CheckSameFamily(route);
        if (route.Family == AddressFamily.InterNetworkV6
            && (route.NextHop.Equals(IPAddress.IPv6Any) || route.NextHop.IsIPv6LinkLocal || route.NextHop.IsIPv4MappedToIPv6))
            throw new BgpException(BgpError.InvalidArgument, $"{route}: an IPv6 route needs the node's global IPv6 address as next hop");
    }
}
