using System.Net;
using System.Net.Sockets;
using Purelb.Ipam.External;

namespace Purelb.Ipam.Netbox;

// Reading Netbox: the owner's records, records of one address, paging, prefix resolution.
public sealed partial class NetboxAddressSource
{
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
}
