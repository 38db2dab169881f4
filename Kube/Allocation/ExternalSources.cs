using Purelb.Ipam;
using Purelb.Ipam.External;
using Purelb.Ipam.External.Sidecar;

namespace Purelb.Kube.Allocation;

/// <summary>
/// One address source per external pool, made on first use and replaced when the pool's definition changes.
/// gRPC channels are shared per socket path.
/// </summary>
public sealed class ExternalSources : IDisposable
{
    private readonly SidecarChannels _channels = new();
    private readonly Dictionary<string, (PoolDefinition Pool, IExternalAddressSource Source)> _byPool = new(StringComparer.Ordinal);

    public IExternalAddressSource For(PoolDefinition pool)
    {
        if (_byPool.TryGetValue(pool.Name, out var known) && ReferenceEquals(known.Pool, pool)) return known.Source;
        var external = pool.External ?? throw new InvalidOperationException($"pool {pool.Name} is not external");
        var source = new SidecarAddressSource(pool.Name, external.Provider, external.Announce, _channels.Get(pool.ExternalSocket));
        _byPool[pool.Name] = (pool, source);
        return source;
    }

    public void Dispose() => _channels.Dispose();
}
