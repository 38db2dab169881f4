namespace Purelb.Ipam;

public sealed partial class IpamLedger
{
    /// <summary>
    /// Makes a Service hold the addresses its request asks for (allocator.md §4.3–§4.9):
    /// <list type="bullet">
    /// <item>unknown Service: pinned addresses, else the resolved group (multiPool or one address per family);</item>
    /// <item>known Service, multiPool: adds one address for each newly active range of the pool holding it (never removes);</item>
    /// <item>known Service otherwise: releases addresses of families no longer requested and tops up missing
    /// ones from the group that resolves now; a fully served Service is left as it is.</item>
    /// </list>
    /// A changed sharing key or port list is re-registered on the Service's current addresses when that
    /// does not conflict (else a <see cref="AllocationWarningKind.RegistrationNotUpdated"/> warning).
    /// On failure nothing changes.
    /// </summary>
    public AllocationResult Allocate(AllocationRequest request)
    {
        if (string.IsNullOrEmpty(request.ServiceKey))
            return AllocationResult.Fail(AllocationError.InvalidRequest, "the service key is empty");
        _journal.Clear();
        _warnings.Clear();
        var result = _services.TryGetValue(request.ServiceKey, out var existing)
            ? AllocateExisting(request, existing)
            : AllocateNew(request);
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

    private IEnumerable<string> PoolsOf(AllocationResult result)
    {
        foreach (var a in result.Added.Concat(result.Released))
        {
            var pool = _config.PoolContaining(a);
            if (pool is not null) yield return pool.Name;
        }
    }

    private AllocationResult AllocateNew(AllocationRequest req)
    {
        if (req.PinnedAddresses is not null) return AllocatePinned(req, null);
        var resolution = GroupResolver.Resolve(_config, req.Namespace, req.RequestedGroup);
        var warnings = _warnings;
        if (resolution.Warning is not null) warnings.Add(resolution.Warning);
        if (!resolution.Succeeded)
            return AllocationResult.Fail(resolution.Error, resolution.Message!, resolution.Pool, warnings);
        var group = resolution.Pool!;
        if (group.Kind == PoolKind.External)
        {
            return AllocationResult.Fail(AllocationError.ExternalGroup,
                $"ServiceGroup \"{group.Name}\" is external: its IPAM allocates the addresses", group, warnings);
        }
        var pool = _pools[group.Name];
        bool multi = req.MultiPool ?? group.MultiPool;
        var svc = CreateService(req.ServiceKey, req.Namespace);
        SetRegistration(svc, req.SharingKey ?? "", Ports(req));
        return multi
            ? AllocateMultiPool(req, svc, pool, resolution.Provenance, warnings, initial: true)
            : AllocateFamilies(req, svc, pool, resolution.Provenance, warnings);
    }

    /// <summary>One address per family the request needs, from one group (§4.4, §4.5).</summary>
    private AllocationResult AllocateFamilies(AllocationRequest req, ServiceEntry svc, PoolState pool,
        GroupProvenance provenance, List<AllocationWarning> warnings)
    {
        var group = pool.Definition;
        var families = RequestedFamilies(req);
        var added = new List<IpAddr>(2);
        if (families.Count == 0)
        {
            // No ipFamilies: any one family, IPv6 first (upstream's order).
            (AllocationError, string)? firstError = null;
            foreach (var family in (ReadOnlySpan<IpFamily>)[IpFamily.IPv6, IpFamily.IPv4])
            {
                if (!group.HasFamily(family)) continue;
                var (error, message) = TakeAddress(svc, pool, family, added);
                if (error == AllocationError.None) return ResultFor(svc, added, [], true, provenance, group, warnings);
                firstError ??= (error, message);
            }
            var (e, m) = firstError!.Value;
            return AllocationResult.Fail(e, m, group, warnings);
        }
        var (needed, familyError) = NeededFamilies(req, families, group, warnings);
        if (familyError is not null) return AllocationResult.Fail(AllocationError.NoPoolForFamily, familyError, group, warnings);
        foreach (var family in needed)
        {
            if (HoldsFamily(svc, family)) continue;
            var (error, message) = TakeAddress(svc, pool, family, added);
            if (error != AllocationError.None) return AllocationResult.Fail(error, message, group, warnings);
        }
        return ResultFor(svc, added, [], added.Count > 0, provenance, group, warnings);
    }

    /// <summary>
    /// The families a group must supply. SingleStack: the first listed. PreferDualStack: the listed
    /// families the group has ranges for (at least one). RequireDualStack or unspecified: all listed.
    /// </summary>
    private static (IReadOnlyList<IpFamily> Needed, string? Error) NeededFamilies(AllocationRequest req,
        IReadOnlyList<IpFamily> families, PoolDefinition group, List<AllocationWarning> warnings)
    {
        switch (req.IpFamilyPolicy)
        {
            case IpFamilyPolicy.SingleStack:
                return group.HasFamily(families[0])
                    ? (families[0] == IpFamily.IPv4 ? OnlyV4 : OnlyV6, null)
                    : ([], NoFamilyMessage(group, families[0]));
            case IpFamilyPolicy.PreferDualStack:
                var usable = families.Where(group.HasFamily).ToList();
                if (usable.Count == 0) return ([], NoFamilyMessage(group, families[0]));
                if (usable.Count < families.Count)
                {
                    var missing = families.First(f => !group.HasFamily(f));
                    warnings.Add(new AllocationWarning(AllocationWarningKind.FamilyUnavailable,
                        $"ServiceGroup \"{group.Name}\" has no {missing} ranges; PreferDualStack Service gets {string.Join(", ", usable)} only"));
                }
                return (usable, null);
            default:
                foreach (var f in families)
                    if (!group.HasFamily(f)) return ([], NoFamilyMessage(group, f));
                return (families, null);
        }
    }

    private static string NoFamilyMessage(PoolDefinition group, IpFamily family) =>
        $"ServiceGroup \"{group.Name}\" has no {family} ranges";

    /// <summary>Chooses and registers one address of a family in a pool, honouring sharing (§4.7).</summary>
    private (AllocationError, string) TakeAddress(ServiceEntry svc, PoolState pool, IpFamily family, List<IpAddr> added)
    {
        var ranges = pool.Ranges(family);
        var name = pool.Definition.Name;
        if (ranges.Length == 0) return (AllocationError.NoPoolForFamily, NoFamilyMessage(pool.Definition, family));
        if (svc.SharingKey.Length > 0)
        {
            // A bound key can only go to its bound address(es): report that address's problem, not exhaustion.
            if (pool.Bindings.TryGetValue((svc.SharingKey, family), out var bound) && bound.Count > 0)
            {
                (AllocationError, string)? first = null;
                foreach (var entry in bound.OrderBy(b => b.Address))
                {
                    var check = CheckShare(svc, entry, entry.Address, pool, enforceBinding: false);
                    if (check.Error == AllocationError.None)
                    {
                        Register(svc, entry.Address, svc.Addresses.Count);
                        added.Add(entry.Address);
                        return (AllocationError.None, "");
                    }
                    first ??= check;
                }
                return first!.Value;
            }
        }
        else if (pool.Definition.BalancePools)
        {
            // Fewest distinct addresses in use first; ties keep declared order (stable sort).
            foreach (var range in ranges.OrderBy(r => r.Allocator.Used))
            {
                if (range.Allocator.TryTakeFirst(out var offset))
                {
                    added.Add(RegisterTaken(svc, range, offset).Address);
                    return (AllocationError.None, "");
                }
            }
            return (AllocationError.PoolExhausted,
                $"no available addresses for service {svc.Key} in family {family.AddressFamilyNumber()} (balancePools, all ranges exhausted)");
        }
        foreach (var range in ranges)
        {
            if (range.Allocator.TryTakeFirst(out var offset))
            {
                added.Add(RegisterTaken(svc, range, offset).Address);
                return (AllocationError.None, "");
            }
        }
        return (AllocationError.PoolExhausted, $"pool \"{name}\" exhausted: no available addresses for {svc.Key}");
    }

    /// <summary>
    /// Whether a Service may hold an address (§4.7). <paramref name="enforceBinding"/> applies the
    /// key-binding rule (one address per key and family per pool); adoption skips it because it is a
    /// placement policy, not a conflict.
    /// </summary>
    private (AllocationError Error, string Message) CheckShare(ServiceEntry svc, AddressEntry? entry, IpAddr address,
        PoolState? pool, bool enforceBinding)
    {
        if (enforceBinding && svc.SharingKey.Length > 0 && pool is not null &&
            pool.Bindings.TryGetValue((svc.SharingKey, address.Family), out var bound) && bound.Count > 0 &&
            (entry is null || !bound.Contains(entry)))
        {
            var boundTo = bound.Min(b => b.Address);
            return (AllocationError.SharingConflict, $"sharing key \"{svc.SharingKey}\" is bound to {boundTo}, cannot use {address}");
        }
        if (entry is null) return (AllocationError.None, "");
        List<ServiceEntry>? others = null;
        for (int i = 0; i < entry.HolderCount; i++)
        {
            var h = entry.Holder(i);
            if (h != svc) (others ??= new List<ServiceEntry>(entry.HolderCount)).Add(h);
        }
        if (others is null) return (AllocationError.None, "");
        string theirKey = others[0].SharingKey;
        if (svc.SharingKey.Length == 0 || theirKey.Length == 0)
        {
            return (AllocationError.PinnedAddressTaken,
                $"address {address} is already in use by {string.Join(", ", others)} and {(svc.SharingKey.Length == 0 ? $"\"{svc.Key}\" has" : "they have")} no sharing key");
        }
        if (theirKey != svc.SharingKey)
        {
            return (AllocationError.SharingConflict,
                $"sharing key \"{svc.SharingKey}\" of \"{svc.Key}\" does not match key \"{theirKey}\" of {string.Join(", ", others)} on {address}");
        }
        foreach (var port in svc.Ports)
        foreach (var h in others)
            if (Array.IndexOf(h.Ports, port) >= 0)
                return (AllocationError.PortConflict, $"port {port} on \"{address}\" is already in use by {h.Key}");
        return (AllocationError.None, "");
    }

    // ---- pinned addresses (§4.3), all or nothing ------------------------------------------------

    private AllocationResult AllocatePinned(AllocationRequest req, ServiceEntry? existing)
    {
        var warnings = _warnings;
        var pins = new List<IpAddr>(req.PinnedAddresses!.Count);
        foreach (var text in req.PinnedAddresses!)
        {
            if (!IpAddr.TryParse(text, out var a))
                return AllocationResult.Fail(AllocationError.InvalidPinnedAddress, $"invalid user-specified address: \"{text}\"");
            if (!pins.Contains(a)) pins.Add(a);
        }
        if (pins.Count == 0)
            return AllocationResult.Fail(AllocationError.InvalidPinnedAddress, "invalid user-specified address: \"\"");
        if (req.RequestedGroup is not null)
        {
            warnings.Add(new AllocationWarning(AllocationWarningKind.GroupIgnoredForPinnedAddresses,
                $"both purelb.io/addresses and purelb.io/service-group are set; the addresses win and group \"{req.RequestedGroup}\" is ignored"));
        }
        PoolDefinition? firstGroup = null;
        foreach (var a in pins)
        {
            var group = _config.PoolContaining(a);
            if (group is null)
                return AllocationResult.Fail(AllocationError.PinnedAddressNotInPool, $"\"{a}\" does not belong to any group", null, warnings);
            var check = GroupResolver.Checked(_config, req.Namespace, group.Name, GroupProvenance.PinnedAddresses, null);
            if (!check.Succeeded) return AllocationResult.Fail(check.Error, $"{a}: {check.Message}", group, warnings);
            firstGroup ??= group;
        }
        var released = new List<IpAddr>();
        var svc = existing;
        if (svc is null) svc = CreateService(req.ServiceKey, req.Namespace);
        else
        {
            while (svc.Addresses.Count > 0)
            {
                released.Add(svc.Addresses[^1].Address);
                Unregister(svc, svc.Addresses[^1]);
            }
        }
        SetRegistration(svc, req.SharingKey ?? "", Ports(req));
        var added = new List<IpAddr>(pins.Count);
        foreach (var a in pins)
        {
            _addresses.TryGetValue(a, out var entry);
            var pool = _pools[_config.PoolContaining(a)!.Name];
            var check = CheckShare(svc, entry, a, pool, enforceBinding: true);
            if (check.Error != AllocationError.None) return AllocationResult.Fail(check.Error, check.Message, firstGroup, warnings);
            Register(svc, a, svc.Addresses.Count);
            added.Add(a);
        }
        released.Reverse();
        var newlyAdded = added.Where(a => !released.Contains(a)).ToList();
        var reallyReleased = released.Where(a => !added.Contains(a)).ToList();
        bool changed = newlyAdded.Count > 0 || reallyReleased.Count > 0 || existing is null;
        return ResultFor(svc, newlyAdded, reallyReleased, changed, GroupProvenance.PinnedAddresses, firstGroup, warnings);
    }

    // ---- known Services: family transitions (§4.9) and incremental multiPool (§4.6) -------------

    private AllocationResult AllocateExisting(AllocationRequest req, ServiceEntry svc)
    {
        var warnings = _warnings;
        bool registrationChanged = UpdateRegistration(svc, req, warnings);
        if (req.PinnedAddresses is null)
        {
            bool multi = req.MultiPool ?? (GroupResolver.Resolve(_config, req.Namespace, req.RequestedGroup).Pool?.MultiPool ?? false);
            if (multi) return IncrementalMultiPool(req, svc, warnings, registrationChanged);
        }
        var families = RequestedFamilies(req);
        if (families.Count == 0) return ResultFor(svc, [], [], registrationChanged, GroupProvenance.Existing, null, warnings);

        var wanted = req.IpFamilyPolicy == IpFamilyPolicy.SingleStack ? [families[0]] : families;
        var excess = svc.Addresses.FindAll(a => !wanted.Contains(a.Address.Family));
        var missing = wanted.Where(f => !svc.Addresses.Exists(a => a.Address.Family == f && !excess.Contains(a))).ToList();

        if (missing.Count > 0 && req.PinnedAddresses is not null)
        {
            // The pins decide; only families they can supply count as missing.
            var pinFamilies = req.PinnedAddresses.Select(t => IpAddr.TryParse(t, out var a) ? a.Family : (IpFamily?)null).ToList();
            bool pinsUnparseable = pinFamilies.Contains(null);
            if (pinsUnparseable || missing.Any(f => pinFamilies.Contains(f))) return AllocatePinned(req, svc);
            missing.Clear();
        }

        PoolState? pool = null;
        PoolDefinition? group = null;
        var provenance = GroupProvenance.Existing;
        if (missing.Count > 0)
        {
            var resolution = GroupResolver.Resolve(_config, req.Namespace, req.RequestedGroup);
            if (resolution.Warning is not null) warnings.Add(resolution.Warning);
            bool holdsWanted = svc.Addresses.Exists(a => !excess.Contains(a));
            if (!resolution.Succeeded)
            {
                if (req.IpFamilyPolicy == IpFamilyPolicy.PreferDualStack && holdsWanted) missing.Clear();
                else return AllocationResult.Fail(resolution.Error, resolution.Message!, resolution.Pool, warnings);
            }
            else
            {
                group = resolution.Pool!;
                provenance = resolution.Provenance;
                if (group.Kind == PoolKind.External)
                {
                    return AllocationResult.Fail(AllocationError.ExternalGroup,
                        $"ServiceGroup \"{group.Name}\" is external: its IPAM allocates the missing {string.Join(", ", missing)} address", group, warnings);
                }
                pool = _pools[group.Name];
                if (req.IpFamilyPolicy == IpFamilyPolicy.PreferDualStack && holdsWanted)
                    missing.RemoveAll(f => !group.HasFamily(f));
                else
                {
                    var (_, familyError) = NeededFamilies(req, missing, group, warnings);
                    if (familyError is not null && req.IpFamilyPolicy != IpFamilyPolicy.PreferDualStack)
                        return AllocationResult.Fail(AllocationError.NoPoolForFamily, familyError, group, warnings);
                    missing.RemoveAll(f => !group.HasFamily(f));
                    if (missing.Count == 0 && !holdsWanted)
                        return AllocationResult.Fail(AllocationError.NoPoolForFamily, familyError ?? NoFamilyMessage(group, wanted[0]), group, warnings);
                }
            }
        }

        var released = new List<IpAddr>(excess.Count);
        foreach (var e in excess)
        {
            released.Add(e.Address);
            Unregister(svc, e);
        }
        var added = new List<IpAddr>(missing.Count);
        foreach (var family in missing)
        {
            var (error, message) = TakeAddress(svc, pool!, family, added);
            if (error != AllocationError.None) return AllocationResult.Fail(error, message, group, warnings);
        }
        if (svc.Addresses.Count == 0)
            return AllocationResult.Fail(AllocationError.NoPoolForFamily, "the Service would hold no address after the family change", group, warnings);
        bool changed = registrationChanged || added.Count > 0 || released.Count > 0;
        return ResultFor(svc, added, released, changed, added.Count > 0 ? provenance : GroupProvenance.Existing, group, warnings);
    }

    /// <summary>
    /// Re-registers a changed sharing key or port list on the Service's current addresses. Upstream's
    /// Notify only ever added ports and keys (§8.8); here the registration is replaced, and kept as it
    /// was when the new one would conflict with another holder.
    /// </summary>
    private bool UpdateRegistration(ServiceEntry svc, AllocationRequest req, List<AllocationWarning> warnings)
    {
        var key = req.SharingKey ?? "";
        var ports = Ports(req);
        if (key == svc.SharingKey && ports.AsSpan().SequenceEqual(svc.Ports)) return false;
        int mark = _journal.Count;
        var held = svc.Addresses.ToArray(a => a.Address);
        while (svc.Addresses.Count > 0) Unregister(svc, svc.Addresses[^1]);
        SetRegistration(svc, key, ports);
        foreach (var a in held)
        {
            _addresses.TryGetValue(a, out var entry);
            var check = CheckShare(svc, entry, a, entry?.Pool, enforceBinding: false);
            if (check.Error != AllocationError.None)
            {
                RollbackTo(mark);
                warnings.Add(new AllocationWarning(AllocationWarningKind.RegistrationNotUpdated,
                    $"new sharing key or ports of \"{svc.Key}\" not applied: {check.Message}"));
                return false;
            }
            Register(svc, a, svc.Addresses.Count);
        }
        return true;
    }

    private AllocationResult IncrementalMultiPool(AllocationRequest req, ServiceEntry svc, List<AllocationWarning> warnings,
        bool registrationChanged)
    {
        PoolState? pool = null;
        foreach (var a in svc.Addresses)
        {
            if (a.Pool is null)
                return AllocationResult.Fail(AllocationError.AddressesNotInOnePool, $"address {a.Address} does not belong to any pool", null, warnings);
            if (pool is not null && pool != a.Pool)
            {
                return AllocationResult.Fail(AllocationError.AddressesNotInOnePool,
                    $"addresses span more than one pool ({pool.Definition.Name}, {a.Pool.Definition.Name})", null, warnings);
            }
            pool = a.Pool;
        }
        return AllocateMultiPool(req, svc, pool!, GroupProvenance.Existing, warnings, initial: false, registrationChanged);
    }

    /// <summary>One address per family per range whose subnet has a live node (remote ranges always count).</summary>
    private AllocationResult AllocateMultiPool(AllocationRequest req, ServiceEntry svc, PoolState pool,
        GroupProvenance provenance, List<AllocationWarning> warnings, bool initial, bool registrationChanged = false)
    {
        var group = pool.Definition;
        if (group.BalancePools)
        {
            return AllocationResult.Fail(AllocationError.MultiPoolWithBalancePools,
                $"multi-pool and balancePools allocation are mutually exclusive for pool {group.Name}", group, warnings);
        }
        if (svc.SharingKey.Length > 0)
        {
            return AllocationResult.Fail(AllocationError.MultiPoolWithSharing,
                "multi-pool allocation cannot be combined with IP sharing (annotation purelb.io/allow-shared-ip)", group, warnings);
        }
        if (group.Kind == PoolKind.Local && req.ActiveSubnets is null)
            return AllocationResult.Fail(AllocationError.MultiPoolNotConfigured, "multi-pool allocation requires ActiveSubnets to be configured", group, warnings);

        var families = RequestedFamilies(req);
        if (families.Count == 0) families = [IpFamily.IPv4];
        var added = new List<IpAddr>();
        int active = 0, inactive = 0, full = 0;
        foreach (var family in families)
        {
            foreach (var range in pool.Ranges(family))
            {
                if (group.Kind == PoolKind.Local && !req.ActiveSubnets!.Contains(range.Definition.Subnet))
                {
                    inactive++;
                    continue;
                }
                active++;
                if (svc.Addresses.Exists(a => a.Range == range)) continue;
                if (range.Allocator.TryTakeFirst(out var offset)) added.Add(RegisterTaken(svc, range, offset).Address);
                else full++;
            }
        }
        if (svc.Addresses.Count == 0)
        {
            return active == 0
                ? AllocationResult.Fail(AllocationError.NoActiveRanges,
                    $"no IPs allocated for service {svc.Key}: {inactive} ranges skipped (no active nodes)", group, warnings)
                : AllocationResult.Fail(AllocationError.PoolExhausted,
                    $"no IPs allocated for service {svc.Key}: all {active} active ranges of pool \"{group.Name}\" are full", group, warnings);
        }
        if (full > 0)
        {
            warnings.Add(new AllocationWarning(AllocationWarningKind.MultiPoolPartial,
                $"multi-pool: {full} of {active} active ranges of pool \"{group.Name}\" are full"));
        }
        return ResultFor(svc, added, [], added.Count > 0 || registrationChanged || initial, provenance, group, warnings);
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static readonly IpFamily[] OnlyV4 = [IpFamily.IPv4];
    private static readonly IpFamily[] OnlyV6 = [IpFamily.IPv6];

    private static bool HoldsFamily(ServiceEntry svc, IpFamily family)
    {
        foreach (var a in svc.Addresses)
            if (a.Address.Family == family) return true;
        return false;
    }

    private static IReadOnlyList<IpFamily> RequestedFamilies(AllocationRequest req)
    {
        var f = req.IpFamilies;
        if (f is null || f.Count == 0) return [];
        if (f.Count == 1 || (f.Count == 2 && f[0] != f[1])) return f;
        return f.Distinct().ToList();
    }

    private static ServicePort[] Ports(AllocationRequest req) => req.Ports is null || req.Ports.Count == 0 ? [] : [.. req.Ports];

    private AllocationResult ResultFor(ServiceEntry svc, IReadOnlyList<IpAddr> added, IReadOnlyList<IpAddr> released, bool changed,
        GroupProvenance provenance, PoolDefinition? group, IReadOnlyList<AllocationWarning> warnings)
    {
        var first = svc.Addresses.Count > 0 ? svc.Addresses[0].Pool?.Definition : null;
        first ??= group;
        var addresses = new IpAddr[svc.Addresses.Count];
        for (int i = 0; i < addresses.Length; i++) addresses[i] = svc.Addresses[i].Address;
        return new AllocationResult
        {
            Addresses = addresses,
            Added = added,
            Released = released,
            Changed = changed,
            AllocatedFrom = AllocatedFrom(svc),
            PoolType = first?.PoolType,
            SkipIPv6Dad = first?.SkipIPv6Dad ?? false,
            Group = group ?? first,
            Provenance = provenance,
            Warnings = warnings.Count == 0 ? [] : warnings.ToArray(),
        };
    }

    private static string AllocatedFrom(ServiceEntry svc)
    {
        string? single = null;
        List<string>? many = null;
        foreach (var a in svc.Addresses)
        {
            var name = a.Pool?.Definition.Name;
            if (name is null || name == single || (many?.Contains(name) ?? false)) continue;
            if (single is null) single = name;
            else (many ??= [single]).Add(name);
        }
        return many is null ? single ?? "" : string.Join(", ", many);
    }
}
