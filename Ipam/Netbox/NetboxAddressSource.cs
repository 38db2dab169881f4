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
public sealed class NetboxAddressSource : IExternalAddressInventory, IDisposable
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
        _marker = new NetboxRecordMarker(config.Cluster);
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

    // ---- allocation ----

    private async Task<IReadOnlyList<IPAddress>> AllocateFamiliesAsync(ExternalOwner owner, FamilyRequest families, CancellationToken cancellationToken)
    {
        if (!families.Any)
            throw new ExternalIpamException(ExternalIpamErrorKind.InvalidRequest,
                $"Netbox pool {PoolName}: {owner} asks for no address family");
        foreach (bool ipv6 in WantedFamilies(families))
        {
            if (!Serves(ipv6))
                throw new ExternalIpamException(ExternalIpamErrorKind.NotConfigured,
                    $"Netbox pool {PoolName} does not serve IPv{(ipv6 ? 6 : 4)} (set netbox.{(ipv6 ? "v6prefix" : "v4prefix")} or netbox.family)");
        }

        var existing = await FindOwnedAsync(owner, cancellationToken).ConfigureAwait(false);
        var created = new List<NbIpAddress>();
        try
        {
            foreach (bool ipv6 in WantedFamilies(families))
            {
                if (!existing.Any(r => IsV6(r) == ipv6))
                    created.Add(await ObtainAsync(owner, ipv6, cancellationToken).ConfigureAwait(false));
            }
        }
        catch
        {
            await GiveBackAsync(created, owner).ConfigureAwait(false);
            throw;
        }

        if (created.Count > 0 || existing.GroupBy(IsV6).Any(g => g.Count() > 1))
            existing = await RemoveDuplicatesAsync(owner, cancellationToken).ConfigureAwait(false);

        var result = new List<IPAddress>();
        foreach (bool ipv6 in WantedFamilies(families))
        {
            var record = existing.Where(r => IsV6(r) == ipv6).OrderBy(r => r.Id).FirstOrDefault()
                ?? throw new ExternalIpamException(ExternalIpamErrorKind.ConcurrentUpdate,
                    $"Netbox pool {PoolName}: the IPv{(ipv6 ? 6 : 4)} record created for {owner} disappeared before it could be confirmed");
            result.Add(HostOf(record));
        }
        return result;
    }

    private Task<NbIpAddress> ObtainAsync(ExternalOwner owner, bool ipv6, CancellationToken cancellationToken) =>
        Config.Flow == NetboxFlow.Prefix
            ? CreateFromPrefixAsync(owner, ipv6, cancellationToken)
            : ClaimReservedAsync(owner, ipv6, cancellationToken);

    private async Task<NbIpAddress> CreateFromPrefixAsync(ExternalOwner owner, bool ipv6, CancellationToken cancellationToken)
    {
        var prefix = await ResolvePrefixAsync(ipv6, cancellationToken).ConfigureAwait(false);
        var body = new NbIpWrite
        {
            Status = "active",
            Tenant = new NbTenantRef { Slug = Config.TenantSlug },
            Description = _marker.Created(owner),
            DnsName = DnsName(owner),
            PrefixLength = Config.PrefixLength is { } length ? Math.Min(length, ipv6 ? 128 : 32) : null,
        };
        try
        {
            var reply = await _connection.SendAsync(HttpMethod.Post, $"ipam/prefixes/{prefix.Id}/available-ips/",
                $"allocating for {owner} from {prefix}", NetboxJsonContext.Default.NbIpAddress, body, null, cancellationToken)
                .ConfigureAwait(false);
            return reply.Body;
        }
        catch (ExternalIpamException e) when (e.Kind == ExternalIpamErrorKind.NotFound)
        {
            _prefixes[ipv6 ? 1 : 0] = null; // it may have been recreated under another id
            throw;
        }
    }

    /// <summary>The v0.16 flow, made safe: claim the lowest reserved record with If-Match, move on when another writer wins.</summary>
    private async Task<NbIpAddress> ClaimReservedAsync(ExternalOwner owner, bool ipv6, CancellationToken cancellationToken)
    {
        string query = $"ipam/ip-addresses/?tenant={Q(Config.TenantSlug)}&status=reserved&family={(ipv6 ? 6 : 4)}";
        if (Config.PrefixFor(ipv6)?.Cidr is { } parent)
            query += $"&parent={Q(parent.ToString())}";
        for (int attempt = 0; attempt < MaxClaimAttempts; attempt++)
        {
            var page = await _connection.SendAsync(HttpMethod.Get, query + "&limit=1",
                $"finding a reserved IPv{(ipv6 ? 6 : 4)} address of tenant {Config.TenantSlug}",
                NetboxJsonContext.Default.NbPageNbIpAddress, null, null, cancellationToken).ConfigureAwait(false);
            if (page.Body.Results.Count == 0)
                throw new ExternalIpamException(ExternalIpamErrorKind.PoolExhausted,
                    $"Netbox pool {PoolName}: tenant {Config.TenantSlug} has no reserved IPv{(ipv6 ? 6 : 4)} address left for {owner}");
            if (await TryClaimAsync(page.Body.Results[0].Id, owner, cancellationToken).ConfigureAwait(false) is { } claimed)
                return claimed;
        }
        throw new ExternalIpamException(ExternalIpamErrorKind.ConcurrentUpdate,
            $"Netbox pool {PoolName}: other writers took every reserved address purelb tried to claim for {owner} ({MaxClaimAttempts} attempts)");
    }

    /// <summary>Marks a reserved record as the owner's; null when someone else changed it first.</summary>
    private async Task<NbIpAddress?> TryClaimAsync(int id, ExternalOwner owner, CancellationToken cancellationToken)
    {
        var current = await GetRecordAsync(id, cancellationToken).ConfigureAwait(false);
        if (current is null || current.Value.Body.Status?.Value != "reserved" || current.Value.Body.Tenant?.Slug != Config.TenantSlug)
            return null;
        string marker = _marker.Claimed(owner);
        var body = new NbIpWrite { Status = "active", Description = marker };
        NbIpAddress patched;
        try
        {
            patched = (await _connection.SendAsync(HttpMethod.Patch, $"ipam/ip-addresses/{id}/",
                $"claiming {current.Value.Body.Address} for {owner}", NetboxJsonContext.Default.NbIpAddress, body,
                current.Value.ETag, cancellationToken).ConfigureAwait(false)).Body;
        }
        catch (ExternalIpamException e) when (e.Kind is ExternalIpamErrorKind.ConcurrentUpdate or ExternalIpamErrorKind.NotFound)
        {
            return null;
        }
        if (current.Value.ETag is null)
        {
            // Pre-4.6 Netbox has no ETags and PATCH is last-write-wins: read back to see whose write stuck.
            var check = await GetRecordAsync(id, cancellationToken).ConfigureAwait(false);
            if (check?.Body.Description != marker)
                return null;
        }
        return patched;
    }

    private async Task<IReadOnlyList<IPAddress>> ClaimPinnedAsync(ExternalOwner owner, IReadOnlyList<IPAddress> pinned, CancellationToken cancellationToken)
    {
        var wanted = pinned.Select(Normalise).Distinct().ToArray();
        foreach (var ip in wanted)
        {
            if (!Serves(ip.AddressFamily == AddressFamily.InterNetworkV6))
                throw new ExternalIpamException(ExternalIpamErrorKind.NotConfigured,
                    $"Netbox pool {PoolName} does not serve the family of pinned address {ip}");
        }
        var existing = await FindOwnedAsync(owner, cancellationToken).ConfigureAwait(false);
        var taken = new List<NbIpAddress>();
        try
        {
            foreach (var ip in wanted)
            {
                if (!existing.Any(r => HostOf(r).Equals(ip)))
                    taken.Add(await ClaimOneAsync(owner, ip, cancellationToken).ConfigureAwait(false));
            }
        }
        catch
        {
            await GiveBackAsync(taken, owner).ConfigureAwait(false);
            throw;
        }
        return wanted;
    }

    private async Task<NbIpAddress> ClaimOneAsync(ExternalOwner owner, IPAddress ip, CancellationToken cancellationToken)
    {
        bool ipv6 = ip.AddressFamily == AddressFamily.InterNetworkV6;
        for (int attempt = 0; attempt < MaxClaimAttempts; attempt++)
        {
            var records = await RecordsForAsync(ip, cancellationToken).ConfigureAwait(false);
            var blocking = records.FirstOrDefault(r => r.Status?.Value != "reserved" || r.Tenant?.Slug != Config.TenantSlug);
            if (blocking is not null)
                throw new ExternalIpamException(ExternalIpamErrorKind.AddressInUse,
                    $"pinned address {ip} for {owner} is already recorded in Netbox (id {blocking.Id}, status {blocking.Status?.Value}, tenant {blocking.Tenant?.Slug ?? "none"}, description \"{blocking.Description}\")");
            if (records.Count > 0)
            {
                if (await TryClaimAsync(records.OrderBy(r => r.Id).First().Id, owner, cancellationToken).ConfigureAwait(false) is { } claimed)
                    return claimed;
                continue;
            }
            if (Config.Flow == NetboxFlow.Reserved)
                throw new ExternalIpamException(ExternalIpamErrorKind.NotFound,
                    $"pinned address {ip} for {owner} is not a reserved address of tenant {Config.TenantSlug} in Netbox");
            return await CreatePinnedAsync(owner, ip, ipv6, cancellationToken).ConfigureAwait(false);
        }
        throw new ExternalIpamException(ExternalIpamErrorKind.ConcurrentUpdate,
            $"Netbox pool {PoolName}: pinned address {ip} for {owner} kept changing under purelb ({MaxClaimAttempts} attempts)");
    }

    private async Task<NbIpAddress> CreatePinnedAsync(ExternalOwner owner, IPAddress ip, bool ipv6, CancellationToken cancellationToken)
    {
        var prefix = await ResolvePrefixAsync(ipv6, cancellationToken).ConfigureAwait(false);
        if (!prefix.Network.Contains(ip))
            throw new ExternalIpamException(ExternalIpamErrorKind.InvalidRequest,
                $"pinned address {ip} for {owner} is outside Netbox {prefix} of pool {PoolName}");
        int length = Config.PrefixLength ?? prefix.Network.PrefixLength;
        var body = new NbIpWrite
        {
            Address = $"{ip}/{Math.Min(length, ipv6 ? 128 : 32)}",
            Status = "active",
            Tenant = new NbTenantRef { Slug = Config.TenantSlug },
            Description = _marker.Created(owner),
            DnsName = DnsName(owner),
        };
        NbIpAddress created;
        try
        {
            created = (await _connection.SendAsync(HttpMethod.Post, "ipam/ip-addresses/", $"recording pinned {ip} for {owner}",
                NetboxJsonContext.Default.NbIpAddress, body, null, cancellationToken).ConfigureAwait(false)).Body;
        }
        catch (ExternalIpamException e) when (e.HttpStatus == 400 && e.Message.Contains("uplicate", StringComparison.Ordinal))
        {
            throw new ExternalIpamException(ExternalIpamErrorKind.AddressInUse,
                $"pinned address {ip} for {owner} was recorded in Netbox by someone else meanwhile: {e.Message}", 400, e);
        }
        // Without enforced uniqueness two writers can both create the address; the oldest record wins.
        var records = await RecordsForAsync(ip, cancellationToken).ConfigureAwait(false);
        if (records.Any(r => r.Id < created.Id))
        {
            await ReleaseRecordAsync(created, owner, cancellationToken).ConfigureAwait(false);
            throw new ExternalIpamException(ExternalIpamErrorKind.AddressInUse,
                $"pinned address {ip} for {owner} was recorded in Netbox by someone else at the same time");
        }
        return created;
    }

    // ---- release ----

    private async Task ReleaseRecordAsync(NbIpAddress record, ExternalOwner owner, CancellationToken cancellationToken)
    {
        bool claimed = _marker.Parse(record.Description) is { Claimed: true };
        if (!claimed)
        {
            try
            {
                await _connection.SendAsync(HttpMethod.Delete, $"ipam/ip-addresses/{record.Id}/",
                    $"releasing {record.Address} of {owner}", cancellationToken).ConfigureAwait(false);
            }
            catch (ExternalIpamException e) when (e.Kind == ExternalIpamErrorKind.NotFound)
            {
            }
            return;
        }

        string marker = _marker.Claimed(owner);
        for (int attempt = 0; attempt < MaxClaimAttempts; attempt++)
        {
            var current = await GetRecordAsync(record.Id, cancellationToken).ConfigureAwait(false);
            if (current is null || current.Value.Body.Description != marker)
                return; // gone, or no longer ours: nothing to give back
            try
            {
                await _connection.SendAsync(HttpMethod.Patch, $"ipam/ip-addresses/{record.Id}/",
                    $"returning {record.Address} of {owner} to reserved", NetboxJsonContext.Default.NbIpAddress,
                    new NbIpWrite { Status = "reserved", Description = "" }, current.Value.ETag, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (ExternalIpamException e) when (e.Kind == ExternalIpamErrorKind.ConcurrentUpdate)
            {
            }
        }
        throw new ExternalIpamException(ExternalIpamErrorKind.ConcurrentUpdate,
            $"Netbox pool {PoolName}: {record.Address} of {owner} kept changing while purelb returned it to reserved ({MaxClaimAttempts} attempts)");
    }

    /// <summary>Rollback of a partial allocation; failures leave marked records that the next attempt adopts.</summary>
    private async Task GiveBackAsync(List<NbIpAddress> records, ExternalOwner owner)
    {
        using var bounded = new CancellationTokenSource(Config.Timeout * 2);
        foreach (var record in records)
        {
            try
            {
                await ReleaseRecordAsync(record, owner, bounded.Token).ConfigureAwait(false);
            }
            catch (ExternalIpamException)
            {
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Keeps the oldest record per family for the owner and gives back the rest (two writers raced).</summary>
    private async Task<List<NbIpAddress>> RemoveDuplicatesAsync(ExternalOwner owner, CancellationToken cancellationToken)
    {
        var records = await FindOwnedAsync(owner, cancellationToken).ConfigureAwait(false);
        var keep = new List<NbIpAddress>();
        foreach (var family in records.GroupBy(IsV6))
        {
            var ordered = family.OrderBy(r => r.Id).ToList();
            keep.Add(ordered[0]);
            foreach (var extra in ordered.Skip(1))
                await ReleaseRecordAsync(extra, owner, cancellationToken).ConfigureAwait(false);
        }
        return keep;
    }

    // ---- lookups ----

    private async Task<List<NbIpAddress>> FindOwnedAsync(ExternalOwner owner, CancellationToken cancellationToken)
    {
        string created = _marker.Created(owner), claimed = _marker.Claimed(owner);
        var records = await ListAllAsync(
            $"ipam/ip-addresses/?tenant={Q(Config.TenantSlug)}&description={Q(created)}&description={Q(claimed)}",
            $"looking up the addresses of {owner}", cancellationToken).ConfigureAwait(false);
        // Filter again: a server that ignored the description filter must not make others' records ours.
        return records.Where(r => r.Description == created || r.Description == claimed).ToList();
    }

    private async Task<List<NbIpAddress>> RecordsForAsync(IPAddress ip, CancellationToken cancellationToken)
    {
        var records = await ListAllAsync($"ipam/ip-addresses/?address={Q(ip.ToString())}",
            $"looking up {ip}", cancellationToken).ConfigureAwait(false);
        return records.Where(r => HostOf(r).Equals(ip)).ToList();
    }

    private async Task<NetboxReply<NbIpAddress>?> GetRecordAsync(int id, CancellationToken cancellationToken)
    {
        try
        {
            return await _connection.SendAsync(HttpMethod.Get, $"ipam/ip-addresses/{id}/", $"reading address record {id}",
                NetboxJsonContext.Default.NbIpAddress, null, null, cancellationToken).ConfigureAwait(false);
        }
        catch (ExternalIpamException e) when (e.Kind == ExternalIpamErrorKind.NotFound)
        {
            return null;
        }
    }

    /// <summary>Pages with offset/limit (Netbox's <c>next</c> links can carry the wrong scheme behind a proxy).</summary>
    private async Task<List<NbIpAddress>> ListAllAsync(string query, string what, CancellationToken cancellationToken)
    {
        var all = new List<NbIpAddress>();
        while (true)
        {
            NetboxReply<NbPage<NbIpAddress>> page;
            try
            {
                page = await _connection.SendAsync(HttpMethod.Get, $"{query}&limit={PageSize}&offset={all.Count}", what,
                    NetboxJsonContext.Default.NbPageNbIpAddress, null, null, cancellationToken).ConfigureAwait(false);
            }
            catch (ExternalIpamException e) when (e.HttpStatus == 400 && e.Message.Contains("\"tenant\"", StringComparison.Ordinal))
            {
                throw new ExternalIpamException(ExternalIpamErrorKind.NotFound,
                    $"Netbox has no tenant with slug \"{Config.TenantSlug}\" (netbox.tenant of pool {PoolName}): {e.Message}", 400, e);
            }
            all.AddRange(page.Body.Results);
            if (page.Body.Results.Count == 0 || all.Count >= page.Body.Count)
                return all;
        }
    }

    private async Task<int> CountAsync(string query, string what, CancellationToken cancellationToken)
    {
        var page = await _connection.SendAsync(HttpMethod.Get, query + "&limit=1", what,
            NetboxJsonContext.Default.NbPageNbIpAddress, null, null, cancellationToken).ConfigureAwait(false);
        return page.Body.Count;
    }

    private async Task<ResolvedPrefix> ResolvePrefixAsync(bool ipv6, CancellationToken cancellationToken)
    {
        if (_prefixes[ipv6 ? 1 : 0] is { } cached)
            return cached;
        var selector = Config.PrefixFor(ipv6) ?? throw new ExternalIpamException(ExternalIpamErrorKind.NotConfigured,
            $"Netbox pool {PoolName} has no IPv{(ipv6 ? 6 : 4)} prefix (netbox.{(ipv6 ? "v6prefix" : "v4prefix")})");
        NbPrefix prefix;
        if (selector.Id is { } id)
        {
            prefix = (await _connection.SendAsync(HttpMethod.Get, $"ipam/prefixes/{id}/", $"reading {selector}",
                NetboxJsonContext.Default.NbPrefix, null, null, cancellationToken).ConfigureAwait(false)).Body;
        }
        else
        {
            string query = $"ipam/prefixes/?prefix={Q(selector.Cidr!.Value.ToString())}";
            if (selector.VrfId is { } vrf)
                query += $"&vrf_id={vrf}";
            var page = (await _connection.SendAsync(HttpMethod.Get, query + "&limit=50", $"looking up {selector}",
                NetboxJsonContext.Default.NbPageNbPrefix, null, null, cancellationToken).ConfigureAwait(false)).Body;
            var candidates = selector.VrfId is null && page.Results.Count > 1
                ? page.Results.Where(p => p.Vrf is null).ToList()
                : page.Results;
            if (candidates.Count == 0)
                throw new ExternalIpamException(ExternalIpamErrorKind.NotFound, $"Netbox has no {selector} (pool {PoolName})");
            if (candidates.Count > 1)
                throw new ExternalIpamException(ExternalIpamErrorKind.InvalidRequest,
                    $"Netbox has {candidates.Count} prefixes matching {selector} (pool {PoolName}); set netbox.vrfId or the prefix id");
            prefix = candidates[0];
        }
        if (!IPNetwork.TryParse(prefix.Prefix, out var network)
            || (network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6) != ipv6)
            throw new ExternalIpamException(ExternalIpamErrorKind.InvalidRequest,
                $"Netbox prefix id {prefix.Id} is \"{prefix.Prefix}\", not an IPv{(ipv6 ? 6 : 4)} prefix (pool {PoolName})");
        if (selector.Cidr is { } expected && !expected.Equals(network))
            throw new ExternalIpamException(ExternalIpamErrorKind.InvalidRequest,
                $"Netbox prefix id {prefix.Id} is {network}, but pool {PoolName} names {expected}");
        var resolved = new ResolvedPrefix(prefix.Id, network, prefix.IsPool);
        _prefixes[ipv6 ? 1 : 0] = resolved;
        return resolved;
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
