using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Grpc.Core;
using Grpc.Net.Client;
using Purelb.Bgp.Protos.V4;

namespace Purelb.Bgp.V4;

/// <summary>The v3 stubs (GoBGP >= 4, k8gobgp) behind API-independent types.</summary>
internal sealed class GobgpV4Generation(GrpcChannel channel) : IGobgpGeneration
{
    private readonly GoBgpService.GoBgpServiceClient _client = new(channel);

    public GobgpApiVersion Version => GobgpApiVersion.V4;

    public async Task<BgpGlobal> GetBgpAsync(DateTime deadline, CancellationToken cancellationToken)
    {
        var reply = await _client.GetBgpAsync(new GetBgpRequest(), deadline: deadline, cancellationToken: cancellationToken);
        return new BgpGlobal(reply.Global?.Asn ?? 0, reply.Global?.RouterId ?? "");
    }

    public async Task<byte[]> AddPathAsync(BgpRoute route, DateTime deadline, CancellationToken cancellationToken)
    {
        var reply = await _client.AddPathAsync(V4Messages.AddPath(route), deadline: deadline, cancellationToken: cancellationToken);
        return reply.Uuid.ToByteArray();
    }

    public async Task DeletePathAsync(BgpRoute route, DateTime deadline, CancellationToken cancellationToken) =>
        await _client.DeletePathAsync(V4Messages.DeletePath(route), deadline: deadline, cancellationToken: cancellationToken);

    public async Task<List<BgpRibPath>> ListPathAsync(AddressFamily family, DateTime deadline, CancellationToken cancellationToken)
    {
        using var call = _client.ListPath(V4Messages.ListPath(family), deadline: deadline, cancellationToken: cancellationToken);
        var paths = new List<BgpRibPath>();
        while (await call.ResponseStream.MoveNext(cancellationToken))
            if (call.ResponseStream.Current.Destination is { } d) paths.AddRange(V4Messages.RibPaths(d));
        return paths;
    }

    public async Task<List<BgpPeer>> ListPeerAsync(DateTime deadline, CancellationToken cancellationToken)
    {
        using var call = _client.ListPeer(new ListPeerRequest(), deadline: deadline, cancellationToken: cancellationToken);
        var peers = new List<BgpPeer>();
        while (await call.ResponseStream.MoveNext(cancellationToken))
            if (V4Messages.PeerOf(call.ResponseStream.Current.Peer) is { } p) peers.Add(p);
        return peers;
    }

    public async IAsyncEnumerable<BgpPeerEvent> WatchPeerAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var call = _client.WatchEvent(V4Messages.WatchPeers(), cancellationToken: cancellationToken);
        while (await call.ResponseStream.MoveNext(cancellationToken))
        {
            if (call.ResponseStream.Current.Peer is not { } e) continue;
            yield return new BgpPeerEvent((BgpPeerEventKind)(int)e.Type, V4Messages.PeerOf(e.Peer));
        }
    }
}
