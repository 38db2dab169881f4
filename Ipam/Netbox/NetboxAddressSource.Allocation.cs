using System.Net;
using System.Net.Sockets;
using Purelb.Ipam.External;

namespace Purelb.Ipam.Netbox;

// Obtaining addresses: by family (prefix or reserved flow) and pinned.
public sealed partial class NetboxAddressSource
{
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
}
