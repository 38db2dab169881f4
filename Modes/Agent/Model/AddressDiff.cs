using System.Net;
using System.Net.Sockets;
using Purelb.Election;

namespace Purelb.Modes.Agent.Model;

/// <summary>An address to remove from a link.</summary>
public sealed record AddressRemoval(IPAddress Address, int LinkIndex, int PrefixLength, string Reason);

/// <summary>What to do to bring the kernel in line with the desired local addresses.</summary>
/// <param name="Adds">Missing, or present with the wrong prefix, lifetimes or flags: add/replace.</param>
/// <param name="Removes">Ours but not wanted, or a stray copy on another link or with another prefix.</param>
/// <param name="Renewals">Present and right, but the remaining valid lifetime is due for a refresh: re-add.</param>
/// <param name="NextRenewalIn">When the earliest held address will be due, if any will.</param>
public sealed record AddressPlan(
    IReadOnlyList<DesiredLocalAddress> Adds,
    IReadOnlyList<AddressRemoval> Removes,
    IReadOnlyList<DesiredLocalAddress> Renewals,
    TimeSpan? NextRenewalIn)
{
    public bool IsEmpty => Adds.Count == 0 && Removes.Count == 0 && Renewals.Count == 0;
}

/// <summary>
/// Compares desired local addresses with the addresses the kernel reports (a dump or the state kept from
/// netlink notifications) and plans the changes. Level-triggered: run it after every notification and
/// periodically; it re-adds an address someone removed, removes addresses a crashed predecessor left
/// (those <paramref name="isOurs"/> recognises), and schedules lifetime renewals from the kernel's own
/// remaining-lifetime figures, so no per-address timers are needed.
/// </summary>
public static class AddressDiff
{
    /// <param name="desired">Desired addresses (from <see cref="LocalAddressBook.Desired"/>).</param>
    /// <param name="observed">Kernel addresses on every link except the remote (dummy) interface.</param>
    /// <param name="isOurs">
    /// Whether an observed address that is not desired was put there by a purelb agent and may be removed
    /// (e.g. an address of a local pool carrying IFA_F_NOPREFIXROUTE). Node addresses must never match.
    /// </param>
    public static AddressPlan Compute(
        IReadOnlyDictionary<IPAddress, DesiredLocalAddress> desired,
        IReadOnlyList<AddressFacts> observed,
        Func<AddressFacts, bool> isOurs)
    {
        var adds = new List<DesiredLocalAddress>();
        var removes = new List<AddressRemoval>();
        var renewals = new List<DesiredLocalAddress>();
        TimeSpan? next = null;

        var byAddress = new Dictionary<IPAddress, List<AddressFacts>>();
        foreach (var a in observed)
        {
            var ip = ElectionKey.Normalize(a.Address);
            if (!byAddress.TryGetValue(ip, out var list)) byAddress[ip] = list = [];
            list.Add(a);
        }

        foreach (var (ip, want) in desired.OrderBy(kv => ElectionKey.Format(kv.Key), StringComparer.Ordinal))
        {
            byAddress.TryGetValue(ip, out var present);
            AddressFacts? match = null;
            foreach (var p in present ?? [])
            {
                if (p.LinkIndex == want.LinkIndex && p.PrefixLength == want.PrefixLength) match = p;
                else removes.Add(new AddressRemoval(ip, p.LinkIndex, p.PrefixLength, "misplaced"));
            }
            if (match is null || !Matches(match, want))
            {
                adds.Add(want);
                continue;
            }
            if (want.Options is { RenewInterval: { } interval, ValidLifetime: { } valid } && match.ValidLifetime is { } remaining)
            {
                // Re-add once the address has aged by one renew interval (upstream renews every valid/2, ≥ 30 s).
                var dueIn = remaining - (valid - interval);
                if (dueIn <= TimeSpan.Zero) renewals.Add(want);
                else if (next is null || dueIn < next) next = dueIn;
            }
        }

        foreach (var (ip, present) in byAddress.OrderBy(kv => ElectionKey.Format(kv.Key), StringComparer.Ordinal))
        {
            if (desired.ContainsKey(ip)) continue;
            foreach (var p in present)
            {
                if (isOurs(p)) removes.Add(new AddressRemoval(ip, p.LinkIndex, p.PrefixLength, "notDesired"));
            }
        }
        return new AddressPlan(adds, removes, renewals, next);
    }

    /// <summary>Whether an existing address has the flags and lifetime shape we would set.</summary>
    private static bool Matches(AddressFacts present, DesiredLocalAddress want)
    {
        var o = want.Options;
        if (o.NoPrefixRoute != ((present.Flags & AddressFlags.NoPrefixRoute) != 0)) return false;
        if (o.ValidLifetime is null != present.ValidLifetime is null) return false;
        // IPv6 VIPs must stay deprecated; an address someone re-added as preferred is replaced.
        if (want.Address.AddressFamily == AddressFamily.InterNetworkV6
            && o.PreferredLifetime == TimeSpan.Zero
            && present.PreferredLifetime is not { Ticks: 0 })
        {
            return false;
        }
        return true;
    }
}
