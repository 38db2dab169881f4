using System.Net;
using System.Net.Sockets;
using Purelb.Ipam.External;

namespace Purelb.Ipam.Netbox;

/// <summary>
/// A ServiceGroup with <c>spec.netbox</c>. Every address is a Netbox IP record marked with its
/// owner (<see cref="NetboxRecordMarker"/>), so the record itself is the allocation: before taking
/// anything the source looks for the owner's records, which makes a retry after a timeout, a
/// restart, or a crash between Netbox's answer and the status write return the same address.
/// Calls for one pool are serialised; concurrent allocators elsewhere converge because duplicates
/// for one owner are detected after every creation and all but the oldest are given back.
/// </summary>
public sealed partial class NetboxAddressSource : IExternalAddressInventory, IDisposable
{
    /// <summary>How often a claim is retried when another writer changes the record first (412).</summary>
    public const int MaxClaimAttempts = 5;

    private readonly NetboxConnection _connection;
    private readonly NetboxRecordMarker _marker;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ResolvedPrefix?[] _prefixes = new ResolvedPrefix?[2];

    /// <param name="token">The API token read from <see cref="NetboxPoolConfig.TokenSecretName"/>; never logged.</param>
    /// <param name="handler">HTTP stack; default <see cref="NetboxHttpHandler.Create"/> with the configured CA bundle.</param>
    public NetboxAddressSource(string poolName, NetboxPoolConfig config, string token,
        HttpMessageHandler? handler = null, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolName);
        PoolName = poolName;
        Config = config;
        _marker = new NetboxRecordMarker(config.Cluster, poolName);
        _connection = new NetboxConnection(config, token, handler ?? NetboxHttpHandler.Create(config.CaBundlePem),
            disposeHandler: handler is null, time ?? TimeProvider.System);
    }

    public string PoolName { get; }
    public NetboxPoolConfig Config { get; }
    public string Announce => Config.Announce;

    /// <summary>The Authorization scheme in use (picked from the token's shape unless configured).</summary>
    public NetboxTokenScheme Scheme => _connection.Scheme;

    /// <summary>Records per list request; Netbox caps it at 1000.</summary>
    public int PageSize { get; init; } = 200;

    /// <summary>Reachability and token check: <c>GET /api/status/</c>, returns the Netbox version.</summary>
    public async Task<string> CheckAsync(CancellationToken cancellationToken)
    {
        var reply = await _connection.SendAsync(HttpMethod.Get, "status/", "checking the connection",
            NetboxJsonContext.Default.NbApiStatus, null, null, cancellationToken).ConfigureAwait(false);
        return reply.Body.NetboxVersion ?? "unknown";
    }

    public async Task<IReadOnlyList<IPAddress>> AllocateAsync(ExternalAllocationRequest request, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return request.IsPinned
                ? await ClaimPinnedAsync(request.Owner, request.Pinned!, cancellationToken).ConfigureAwait(false)
                : await AllocateFamiliesAsync(request.Owner, request.Families, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task ReleaseAsync(ExternalOwner owner, IPAddress? address, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var record in await FindOwnedAsync(owner, cancellationToken).ConfigureAwait(false))
            {
                if (address is null || HostOf(record).Equals(Normalise(address)))
                    await ReleaseRecordAsync(record, owner, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlyList<IPAddress>> FindExistingAsync(ExternalOwner owner, CancellationToken cancellationToken)
    {
        var records = await FindOwnedAsync(owner, cancellationToken).ConfigureAwait(false);
        return records.OrderBy(r => r.Id).Select(HostOf).Distinct().ToArray();
    }

    public async Task<IReadOnlyList<ExternalHolding>> ListAsync(CancellationToken cancellationToken)
    {
        var records = await ListAllAsync($"ipam/ip-addresses/?tenant={Q(Config.TenantSlug)}&status=active",
            $"listing addresses of tenant {Config.TenantSlug}", cancellationToken).ConfigureAwait(false);
        var holdings = new List<ExternalHolding>();
        foreach (var record in records.OrderBy(r => r.Id))
        {
            if (_marker.Parse(record.Description) is { } parsed)
                holdings.Add(new ExternalHolding(parsed.Owner, HostOf(record)));
        }
        return holdings;
    }

    public async Task<ExternalPoolStats> StatsAsync(CancellationToken cancellationToken)
    {
        ulong[] inUse = new ulong[2];
        ulong?[] size = new ulong?[2];
        var display = new List<string>();
        for (int f = 0; f < 2; f++)
        {
            bool ipv6 = f == 1;
            if (!Serves(ipv6))
                continue;
            if (Config.Flow == NetboxFlow.Prefix)
            {
                var prefix = await ResolvePrefixAsync(ipv6, cancellationToken).ConfigureAwait(false);
                display.Add(prefix.Network.ToString());
                size[f] = prefix.UsableSize;
                inUse[f] = (ulong)await CountAsync($"ipam/ip-addresses/?parent={Q(prefix.Network.ToString())}",
                    $"counting addresses in {prefix}", cancellationToken).ConfigureAwait(false);
            }
            else
            {
                string family = ipv6 ? "6" : "4";
                var ours = (await ListAsync(cancellationToken).ConfigureAwait(false))
                    .Count(h => (h.Address.AddressFamily == AddressFamily.InterNetworkV6) == ipv6);
                int free = await CountAsync($"ipam/ip-addresses/?tenant={Q(Config.TenantSlug)}&status=reserved&family={family}",
                    $"counting reserved IPv{family} addresses of tenant {Config.TenantSlug}", cancellationToken).ConfigureAwait(false);
                inUse[f] = (ulong)ours;
                size[f] = (ulong)(ours + free);
                display.Add($"tenant {Config.TenantSlug} reserved IPv{family}");
            }
        }
        return new ExternalPoolStats(inUse[0], inUse[1], size[0], size[1], display);
    }

    // ---- helpers ----

    private bool Serves(bool ipv6) => ipv6 ? Config.ServesIPv6 : Config.ServesIPv4;

    private static IEnumerable<bool> WantedFamilies(FamilyRequest families)
    {
        if (families.WantIPv4) yield return false;
        if (families.WantIPv6) yield return true;
    }

    private string? DnsName(ExternalOwner owner) =>
        owner.IsShared ? null : Config.DnsZone is null ? $"{owner.Name}.{owner.Namespace}" : $"{owner.Name}.{owner.Namespace}.{Config.DnsZone}";

    private static IPAddress HostOf(NbIpAddress record)
    {
        string text = record.Address;
        int slash = text.IndexOf('/');
        if (!IPAddress.TryParse(slash < 0 ? text : text[..slash], out var ip))
            throw new ExternalIpamException(ExternalIpamErrorKind.InvalidResponse,
                $"Netbox address record {record.Id} has an unparseable address \"{record.Address}\"");
        return Normalise(ip);
    }

    private static bool IsV6(NbIpAddress record) => HostOf(record).AddressFamily == AddressFamily.InterNetworkV6;

    private static IPAddress Normalise(IPAddress ip) => ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;

    private static string Q(string value) => Uri.EscapeDataString(value);

    public void Dispose()
    {
        _connection.Dispose();
        _gate.Dispose();
    }

    private sealed record ResolvedPrefix(int Id, IPNetwork Network, bool IsPool)
    {
        /// <summary>Addresses Netbox will hand out: all for pools and /31+ (/127+), else minus network (and broadcast).</summary>
        public ulong UsableSize
        {
            get
            {
                bool v6 = Network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;
                int hostBits = (v6 ? 128 : 32) - Network.PrefixLength;
                ulong total = hostBits >= 64 ? ulong.MaxValue : 1UL << hostBits;
                if (IsPool || (!v6 && Network.PrefixLength >= 31) || (v6 && Network.PrefixLength >= 127) || total == ulong.MaxValue)
                    return total;
                return v6 ? total - 1 : total - 2;
            }
        }

        public override string ToString() => $"prefix {Network} (id {Id})";
    }
}
