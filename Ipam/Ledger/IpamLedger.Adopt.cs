namespace Purelb.Ipam;

public sealed partial class IpamLedger
{
    /// <summary>
    /// Adopts the addresses a live Service already has (its status), keeping them (allocator.md §4.12).
    /// Unlike <see cref="Allocate"/> it chooses nothing: each address is registered where it is, in the
    /// pool containing it, or outside every pool (kept, not counted, never handed out) when none does.
    /// The key-binding placement rule is not applied, but real conflicts are: an address held by another
    /// Service that cannot share it with this one (keys, ports) makes the adoption fail as a whole, so
    /// a duplicate in the cluster is reported instead of being recorded. Adopting the same addresses
    /// again only refreshes the sharing key and ports.
    /// </summary>
    public AllocationResult Assign(ExistingAllocation existing) => Assign(existing, describe: true);

    /// <param name="describe">False on the bulk restart path: a success returns a shared empty result.</param>
    private AllocationResult Assign(ExistingAllocation existing, bool describe)
    {
        if (string.IsNullOrEmpty(existing.ServiceKey))
            return AllocationResult.Fail(AllocationError.InvalidRequest, "the service key is empty");
        _journal.Clear();
        _warnings.Clear();
        var result = AssignCore(existing, describe);
        if (result.Succeeded)
        {
            Commit();
            if (result.Changed) Notify(PoolsOf(result));
        }
        else
        {
            RollbackTo(0);
        }
        return result;
    }

    private static readonly AllocationResult Adopted = new() { Changed = true, Provenance = GroupProvenance.Existing };

    private AllocationResult AssignCore(ExistingAllocation existing, bool describe)
    {
        var warnings = _warnings;
        var addresses = new List<IpAddr>(existing.Addresses.Count);
        foreach (var text in existing.Addresses)
        {
            if (!IpAddr.TryParse(text, out var a))
            {
                warnings.Add(new AllocationWarning(AllocationWarningKind.UnparseableAddress, $"unparseable ingress address \"{text}\" skipped"));
                continue;
            }
            if (!addresses.Contains(a)) addresses.Add(a);
        }
        if (addresses.Count == 0)
            return AllocationResult.Fail(AllocationError.InvalidRequest, $"service {existing.ServiceKey} has no parseable address to adopt", null, warnings);

        var key = existing.SharingKey ?? "";
        ServicePort[] ports = existing.Ports is null || existing.Ports.Count == 0 ? [] : [.. existing.Ports];
        var released = new List<IpAddr>();
        if (_services.TryGetValue(existing.ServiceKey, out var svc))
        {
            if (svc.SharingKey == key && svc.Ports.AsSpan().SequenceEqual(ports) && svc.Addresses.Count == addresses.Count &&
                svc.Addresses.TrueForAll(e => addresses.Contains(e.Address)))
            {
                return ResultFor(svc, [], [], false, GroupProvenance.Existing, null, warnings);
            }
            while (svc.Addresses.Count > 0)
            {
                released.Add(svc.Addresses[^1].Address);
                Unregister(svc, svc.Addresses[^1]);
            }
        }
        else
        {
            svc = CreateService(existing.ServiceKey, existing.Namespace);
        }
        SetRegistration(svc, key, ports);
        foreach (var a in addresses)
        {
            _addresses.TryGetValue(a, out var entry);
            var check = CheckShare(svc, entry, a, entry?.Pool, enforceBinding: false);
            if (check.Error != AllocationError.None)
                return AllocationResult.Fail(check.Error, $"cannot adopt {a} for {svc.Key}: {check.Message}", null, warnings);
            Register(svc, a, svc.Addresses.Count);
            if (svc.Addresses[^1].Range is null)
            {
                warnings.Add(new AllocationWarning(AllocationWarningKind.AddressOutsidePools,
                    $"unknown LoadBalancer IP {a}: no pool found; kept but not counted"));
            }
        }
        if (!describe) return Adopted;
        if (released.Count == 0) return ResultFor(svc, addresses, [], true, GroupProvenance.Existing, null, warnings);
        var added = addresses.Where(a => !released.Contains(a)).ToList();
        var gone = released.Where(a => !addresses.Contains(a)).ToList();
        return ResultFor(svc, added, gone, true, GroupProvenance.Existing, null, warnings);
    }

    /// <summary>
    /// Forgets all state and adopts every given allocation, in the given order (earlier wins a
    /// conflict). This is the restart path: call it with every Service that PureLB allocated, before
    /// allocating anything new.
    /// </summary>
    public RebuildReport Rebuild(IEnumerable<ExistingAllocation> allocations)
    {
        Clear();
        if (allocations is ICollection<ExistingAllocation> known)
        {
            _services.EnsureCapacity(known.Count);
            _addresses.EnsureCapacity(known.Count);
        }
        int adopted = 0;
        var failures = new List<(ExistingAllocation, AllocationResult)>();
        var handlers = PoolChanged;
        PoolChanged = null;
        try
        {
            foreach (var a in allocations)
            {
                var r = Assign(a, describe: false);
                if (r.Succeeded) adopted++;
                else failures.Add((a, r));
            }
        }
        finally
        {
            PoolChanged = handlers;
        }
        foreach (var p in _pools.Keys) PoolChanged?.Invoke(p);
        int outside = _addresses.Values.Count(e => e.Range is null);
        return new RebuildReport(adopted, failures, outside);
    }
}

/// <summary>The outcome of <see cref="IpamLedger.Rebuild"/>.</summary>
/// <param name="Adopted">Services whose addresses were adopted.</param>
/// <param name="Failures">Services that could not be adopted (conflicts with an earlier one, nothing parseable), with why.</param>
/// <param name="AddressesOutsidePools">Adopted addresses that lie in no configured pool.</param>
public sealed record RebuildReport(int Adopted, IReadOnlyList<(ExistingAllocation Allocation, AllocationResult Result)> Failures,
    int AddressesOutsidePools);
