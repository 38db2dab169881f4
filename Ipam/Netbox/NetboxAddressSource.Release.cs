using Purelb.Ipam.External;

namespace Purelb.Ipam.Netbox;

// Giving addresses back: delete what purelb created, return what it claimed to reserved.
public sealed partial class NetboxAddressSource
{
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
}
