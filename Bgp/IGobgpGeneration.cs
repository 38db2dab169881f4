using System.Net.Sockets;

namespace Purelb.Bgp;

/// <summary>One GoBGP API generation's stubs behind API-independent types. Methods throw RpcException;
/// <see cref="GobgpClient"/> turns that into <see cref="BgpException"/>.</summary>
internal interface IGobgpGeneration
{
    GobgpApiVersion Version { get; }

    Task<BgpGlobal> GetBgpAsync(DateTime deadline, CancellationToken cancellationToken);

    Task<byte[]> AddPathAsync(BgpRoute route, DateTime deadline, CancellationToken cancellationToken);

    Task DeletePathAsync(BgpRoute route, DateTime deadline, CancellationToken cancellationToken);

    Task<List<BgpRibPath>> ListPathAsync(AddressFamily family, DateTime deadline, CancellationToken cancellationToken);

    Task<List<BgpPeer>> ListPeerAsync(DateTime deadline, CancellationToken cancellationToken);

    IAsyncEnumerable<BgpPeerEvent> WatchPeerAsync(CancellationToken cancellationToken);
}
