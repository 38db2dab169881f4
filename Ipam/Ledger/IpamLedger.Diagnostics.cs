using System.Text;

namespace Purelb.Ipam;

public sealed partial class IpamLedger
{
    /// <summary>
    /// A canonical text of the whole ledger (services, addresses, holders, keys, ports, bindings, counts),
    /// independent of insertion history. Two ledgers with equal dumps behave identically; tests use it
    /// to prove that a failed operation changed nothing.
    /// </summary>
    public string DumpState()
    {
        var sb = new StringBuilder();
        foreach (var svc in _services.Values.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            sb.Append("svc ").Append(svc.Key).Append(" ns=").Append(svc.Namespace).Append(" key=").Append(svc.SharingKey)
                .Append(" ports=").AppendJoin(',', svc.Ports).Append(" addrs=").AppendJoin(',', svc.Addresses.ToArray(a => a.Address)).Append('\n');
        }
        foreach (var e in _addresses.Values.OrderBy(e => e.Address))
        {
            sb.Append("addr ").Append(e.Address).Append(" pool=").Append(e.Pool?.Definition.Name ?? "-")
                .Append(" holders=").AppendJoin(',', e.Holders.Select(h => h.Key).Order(StringComparer.Ordinal)).Append('\n');
        }
        foreach (var p in _pools.Values.OrderBy(p => p.Definition.Name, StringComparer.Ordinal))
        {
            sb.Append("pool ").Append(p.Definition.Name).Append(" v4=").Append(p.Used(IpFamily.IPv4)).Append(" v6=").Append(p.Used(IpFamily.IPv6));
            foreach (var (k, list) in p.Bindings.OrderBy(b => b.Key.Key, StringComparer.Ordinal).ThenBy(b => b.Key.Family))
                sb.Append(" bind[").Append(k.Key).Append('/').Append(k.Family).Append("]=").AppendJoin(',', list.Select(l => l.Address).Order());
            sb.Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>Checks the ledger's internal invariants; returns the first violation or null.</summary>
    public string? FindInvariantViolation()
    {
        var perRange = new Dictionary<RangeState, UInt128>();
        foreach (var (addr, e) in _addresses)
        {
            if (e.Address != addr) return $"{addr}: entry keyed under another address";
            if (e.HolderCount == 0) return $"{addr}: no holders";
            if (e.Holders.Distinct().Count() != e.HolderCount) return $"{addr}: duplicate holder";
            if (e.HolderCount > 1)
            {
                var key = e.Holder(0).SharingKey;
                if (key.Length == 0 || e.Holders.Any(h => h.SharingKey != key)) return $"{addr}: shared without a common key";
                var seen = new HashSet<ServicePort>();
                foreach (var h in e.Holders)
                foreach (var p in h.Ports.Distinct())
                    if (!seen.Add(p)) return $"{addr}: port {p} used twice";
            }
            foreach (var h in e.Holders)
            {
                if (!_services.TryGetValue(h.Key, out var s) || s != h) return $"{addr}: holder {h.Key} not in the ledger";
                if (!h.Addresses.Contains(e)) return $"{addr}: holder {h.Key} does not list it";
            }
            var found = _config.FindRange(addr);
            if (found is null != (e.Range is null)) return $"{addr}: pool placement is stale";
            if (e.Range is not null)
            {
                if (e.Range.Range != found!.Value.Range) return $"{addr}: placed in the wrong range";
                if (e.Range.Allocator.IsFree(e.Offset)) return $"{addr}: held but free in its range";
                perRange[e.Range] = perRange.GetValueOrDefault(e.Range) + 1;
                if (e.Key.Length > 0 && !(e.Pool!.Bindings.TryGetValue((e.Key, addr.Family), out var b) && b.Contains(e)))
                    return $"{addr}: keyed address missing from its binding";
            }
        }
        foreach (var r in _rangeStates.Values)
            if (r.Allocator.Used != perRange.GetValueOrDefault(r)) return $"range {r.Range}: used count {r.Allocator.Used} != {perRange.GetValueOrDefault(r)}";
        foreach (var svc in _services.Values)
        {
            if (svc.Addresses.Count == 0) return $"{svc.Key}: service without addresses";
            foreach (var a in svc.Addresses)
                if (!_addresses.TryGetValue(a.Address, out var e) || e != a) return $"{svc.Key}: lists {a.Address} which is not in the ledger";
        }
        return null;
    }
}
