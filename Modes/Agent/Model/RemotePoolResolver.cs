using System.Net;
using Purelb.Election;
using Purelb.Ipam;

namespace Purelb.Modes.Agent.Model;

/// <summary>Why an address is or is not announced remotely.</summary>
public enum RemoteResolution
{
    /// <summary>In a remote pool's range (or from an external group announced remotely).</summary>
    Remote,
    /// <summary>In a local pool: the election path owns it.</summary>
    Local,
    /// <summary>In no known pool (configuration not delivered yet, or the pool was deleted).</summary>
    Unknown,
}

/// <summary>
/// Finds the pool an ingress address came from and the length it is held at on the dummy interface (agent.md §4.2):
/// aggregation <c>/N</c> as written, <c>default</c> (or empty) = the pool's subnet mask. Nothing here depends on a
/// default route or the interface selection (agent.md §9 item 6); the agent asks it only about addresses that are not
/// local to a selected interface (upstream's precedence, §9 item 8, kept). Addresses from an external (sidecar) group whose
/// <c>announce</c> is <c>remote</c> have no range to read an aggregation from and are held as host routes (item 7).
/// </summary>
public static class RemotePoolResolver
{
    /// <param name="allocatedFrom">The Service's <c>purelb.io/allocated-from</c> (the group name), used for external
    /// groups whose addresses are in no range.</param>
    public static RemoteResolution Resolve(IpamConfig config, IPAddress address, string? allocatedFrom, out RemoteAddress remote)
    {
        remote = default;
        address = ElectionKey.Normalize(address);
        if (!IpAddr.TryParse(address.ToString(), out var ip)) return RemoteResolution.Unknown;
        var pool = config.PoolContaining(ip);
        if (pool is not null)
        {
            if (pool.Kind != PoolKind.Remote) return RemoteResolution.Local;
            foreach (var range in pool.Ranges(ip.Family))
            {
                if (!range.Range.Contains(ip)) continue;
                remote = new RemoteAddress(address, range.EffectiveAggregation);
                return RemoteResolution.Remote;
            }
            return RemoteResolution.Unknown;
        }
        if (allocatedFrom is { Length: > 0 } && config.Find(allocatedFrom) is { Kind: PoolKind.External, External: { } external })
        {
            if (!string.Equals(external.Announce, "remote", StringComparison.Ordinal)) return RemoteResolution.Local;
            remote = RemoteAddress.Host(address);
            return RemoteResolution.Remote;
        }
        return RemoteResolution.Unknown;
    }
}
