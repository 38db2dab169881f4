using System.Text;
using k8s.Models;
using Purelb.Ipam;
using Purelb.Ipam.External;
using Purelb.Ipam.External.Sidecar;
using Purelb.Ipam.Netbox;

namespace Purelb.Kube.Allocation;

/// <summary>
/// One address source per external pool, made on first use and replaced when the pool's definition changes.
/// gRPC channels are shared per socket path. Netbox pools read their API token (and CA bundle, when it comes
/// from a Secret) from the group's namespace when the source is made; <see cref="Forget"/> makes the next call
/// read them again, which is how a rotated or fixed token is picked up without a ServiceGroup edit.
/// </summary>
public sealed class ExternalSources : IDisposable
{
    private readonly SidecarChannels _channels = new();
    private readonly Dictionary<string, (PoolDefinition Pool, IExternalAddressSource Source)> _byPool = new(StringComparer.Ordinal);

    /// <summary>Told of every sidecar RPC: socket path, full method name, gRPC code name, duration.</summary>
    public Action<string, string, string, TimeSpan>? SidecarCallObserved { get; init; }

    /// <summary>For tests: the HTTP stack Netbox sources use instead of their own.</summary>
    public Func<NetboxPoolConfig, HttpMessageHandler>? NetboxHandler { get; init; }

    /// <summary>Sidecar pools only: they need nothing from the API server.</summary>
    public IExternalAddressSource For(PoolDefinition pool)
    {
        if (_byPool.TryGetValue(pool.Name, out var known) && ReferenceEquals(known.Pool, pool)) return known.Source;
        if (pool.IsNetbox) throw new InvalidOperationException($"pool {pool.Name} is a Netbox pool; use ForAsync");
        var external = pool.External ?? throw new InvalidOperationException($"pool {pool.Name} is not external");
        var socket = pool.ExternalSocket ?? SidecarChannels.DefaultSocketPath;
        var observed = SidecarCallObserved;
        var source = new SidecarAddressSource(pool.Name, external.Provider, external.Announce, _channels.Get(socket), socketPath: socket)
        {
            CallObserved = observed is null ? null : (method, code, duration) => observed(socket, method, code, duration),
        };
        Replace(pool, source);
        return source;
    }

    /// <summary>
    /// The source of any external pool. For Netbox pools this may read Secrets; a missing or unreadable Secret is an
    /// <see cref="ExternalIpamException"/> (never containing the token) like any other failure of the source.
    /// </summary>
    public async Task<IExternalAddressSource> ForAsync(PoolDefinition pool, KubeApiClient api, CancellationToken ct)
    {
        if (_byPool.TryGetValue(pool.Name, out var known) && ReferenceEquals(known.Pool, pool)) return known.Source;
        if (pool.Netbox is not { } config) return For(pool);
        var ns = pool.GroupNamespace;
        var token = await ReadSecretKeyAsync(api, ns, config.TokenSecretName, config.TokenSecretKey,
            $"the Netbox API token of pool {pool.Name}", ct).ConfigureAwait(false);
        if (config.CaSecretRef is { Name: { } caName, Key: { } caKey })
        {
            var pem = await ReadSecretKeyAsync(api, ns, caName, caKey, $"the Netbox CA bundle of pool {pool.Name}", ct).ConfigureAwait(false);
            try
            {
                NetboxHttpHandler.LoadBundle(pem);
            }
            catch (ArgumentException e)
            {
                throw new ExternalIpamException(ExternalIpamErrorKind.TlsFailure, $"Secret {ns}/{caName} key {caKey}: {e.Message}");
            }
            config = config with { CaBundlePem = pem };
        }
        var source = new NetboxAddressSource(pool.Name, config, token, NetboxHandler?.Invoke(config));
        Replace(pool, source);
        return source;
    }

    /// <summary>Drops the cached source of a pool (its Secrets are read again on next use).</summary>
    public void Forget(string poolName)
    {
        if (!_byPool.Remove(poolName, out var known)) return;
        (known.Source as IDisposable)?.Dispose();
    }

    private void Replace(PoolDefinition pool, IExternalAddressSource source)
    {
        Forget(pool.Name);
        _byPool[pool.Name] = (pool, source);
    }

    private static async Task<string> ReadSecretKeyAsync(KubeApiClient api, string ns, string name, string key, string what,
        CancellationToken ct)
    {
        V1Secret? secret;
        try
        {
            secret = await api.GetOrNullAsync(KubeResources.Secrets, ns, name, ct).ConfigureAwait(false);
        }
        catch (KubeApiException e) when (e.StatusCode is System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.Unauthorized)
        {
            throw new ExternalIpamException(ExternalIpamErrorKind.NotConfigured,
                $"cannot read Secret {ns}/{name} for {what}: the allocator is not allowed to ({e.ServerMessage})");
        }
        catch (KubeApiException e)
        {
            throw new ExternalIpamException(ExternalIpamErrorKind.Unavailable, $"cannot read Secret {ns}/{name} for {what}: {e.Message}");
        }
        if (secret is null)
            throw new ExternalIpamException(ExternalIpamErrorKind.NotConfigured, $"Secret {ns}/{name}, which holds {what}, does not exist");
        if (secret.Data is null || !secret.Data.TryGetValue(key, out var bytes) || bytes is null)
            throw new ExternalIpamException(ExternalIpamErrorKind.NotConfigured, $"Secret {ns}/{name} has no key {key}, which should hold {what}");
        return Encoding.UTF8.GetString(bytes);
    }

    public void Dispose()
    {
        foreach (var (_, source) in _byPool.Values) (source as IDisposable)?.Dispose();
        _byPool.Clear();
        _channels.Dispose();
    }
}
