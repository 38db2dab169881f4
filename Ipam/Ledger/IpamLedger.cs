namespace Purelb.Ipam;

/// <summary>
/// The in-memory address ledger: which Service holds which address, with sharing keys and ports, over
/// the pools of the current <see cref="IpamConfig"/>. Single-threaded by contract (one allocation worker,
/// allocator.md §1.5); no I/O, no async.
/// <para>Verbs: <see cref="Allocate"/> chooses addresses for a Service (fresh, top-up, family change,
/// incremental multiPool); <see cref="Assign"/> adopts addresses a live Service already has (restart);
/// <see cref="Rebuild"/> adopts many at once from scratch; <see cref="Release"/> and
/// <see cref="ReleaseAddress"/> free; <see cref="SetConfig"/> swaps the configuration and re-homes
/// every held address into the pool that now contains it.</para>
/// <para>Every operation is atomic: on failure the ledger is exactly as before the call.</para>
/// </summary>
public sealed partial class IpamLedger
{
    private IpamConfig _config;
    private Dictionary<string, PoolState> _pools = new(StringComparer.Ordinal);
    private Dictionary<IpRange, RangeState> _rangeStates = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<IpAddr, AddressEntry> _addresses = new();
    private readonly Dictionary<string, ServiceEntry> _services = new(StringComparer.Ordinal);
    private readonly List<JournalEntry> _journal = new();
    private readonly List<AllocationWarning> _warnings = new();
    private const int MaxSharedPorts = 1024;
    private readonly Dictionary<ServicePort, ServicePort[]> _singlePorts = new();

    public IpamLedger(IpamConfig? config = null)
    {
        _config = IpamConfig.Empty;
        InstallPools(config ?? IpamConfig.Empty);
    }

    /// <summary>Raised after an operation changed the use of a pool (by name), for metrics and status.</summary>
    public event Action<string>? PoolChanged;

    public IpamConfig Config => _config;

    public int ServiceCount => _services.Count;

    /// <summary>Distinct addresses held, including ones outside every pool.</summary>
    public int AddressCount => _addresses.Count;

    // ---- configuration ------------------------------------------------------------------------

    /// <summary>
    /// Swaps in a new configuration. Held addresses stay with their Services (nothing is revoked,
    /// allocator.md §4.11): each is counted by the pool that now contains it, or kept outside every
    /// pool until a later configuration covers it again. A configuration in which every supplied group
    /// was rejected is refused and the current one stays (as upstream).
    /// </summary>
    public ConfigChangeResult SetConfig(IpamConfig config)
    {
        if (config.NoValidPools)
            return new ConfigChangeResult(false, "No valid pools found", 0, []);
        var old = _pools.Keys.ToList();
        InstallPools(config);
        int rehomed = 0;
        var orphaned = new List<(IpAddr, string)>();
        foreach (var entry in _addresses.Values)
        {
            Place(entry);
            if (entry.Range is null) orphaned.AddRange(entry.Holders.Select(h => (entry.Address, h.Key)));
            else rehomed++;
        }
        foreach (var entry in _addresses.Values)
            if (entry.Pool is not null && entry.Key.Length > 0) entry.Pool.AddBinding(entry);
        foreach (var name in old.Union(_pools.Keys)) PoolChanged?.Invoke(name);
        return new ConfigChangeResult(true, null, rehomed, orphaned);
    }

    private void InstallPools(IpamConfig config)
    {
        _config = config;
        _pools = new Dictionary<string, PoolState>(StringComparer.Ordinal);
        _rangeStates = new Dictionary<IpRange, RangeState>(ReferenceEqualityComparer.Instance);
        foreach (var def in config.Pools)
        {
            if (def.Kind == PoolKind.External) continue;
            var state = new PoolState(def);
            _pools[def.Name] = state;
            foreach (var r in state.V4.Concat(state.V6)) _rangeStates[r.Range] = r;
        }
    }

    /// <summary>Points an entry at the range now containing it and marks the offset used there.</summary>
    private void Place(AddressEntry entry)
    {
        var found = _config.FindRange(entry.Address);
        if (found is null)
        {
            entry.Pool = null;
            entry.Range = null;
            return;
        }
        var range = _rangeStates[found.Value.Range];
        entry.Range = range;
        entry.Pool = range.Pool;
        if (!range.Allocator.TryTake(entry.Offset))
            throw new InvalidOperationException($"ledger invariant broken: {entry.Address} already marked used");
    }

    // ---- release ------------------------------------------------------------------------------

    /// <summary>Frees every address of a Service. Releasing an unknown Service succeeds with nothing released.</summary>
    public AllocationResult Release(string serviceKey)
    {
        if (!_services.TryGetValue(serviceKey, out var svc)) return new AllocationResult();
        var released = svc.Addresses.ToArray(a => a.Address);
        var touched = TouchedPools(svc);
        while (svc.Addresses.Count > 0) Unregister(svc, svc.Addresses[^1]);
        _services.Remove(serviceKey);
        _journal.Clear();
        Notify(touched);
        return new AllocationResult { Released = released, Changed = released.Length > 0 };
    }

    /// <summary>Frees one address of a Service; no-op when it does not hold it.</summary>
    public AllocationResult ReleaseAddress(string serviceKey, IpAddr address)
    {
        if (!_services.TryGetValue(serviceKey, out var svc)) return new AllocationResult();
        var entry = svc.Addresses.Find(a => a.Address == address);
        if (entry is null) return ResultFor(svc, [], [], false, GroupProvenance.Existing, null, []);
        var pool = entry.Pool?.Definition.Name;
        Unregister(svc, entry);
        if (svc.Addresses.Count == 0) _services.Remove(serviceKey);
        _journal.Clear();
        if (pool is not null) PoolChanged?.Invoke(pool);
        return ResultFor(svc, [], [address], true, GroupProvenance.Existing, null, []);
    }

    /// <summary>Forgets every allocation and starts from an empty ledger over the same configuration.</summary>
    public void Clear()
    {
        _addresses.Clear();
        _services.Clear();
        _journal.Clear();
        InstallPools(_config);
    }

    // ---- queries ------------------------------------------------------------------------------

    /// <summary>Use of one local or remote pool; null for unknown or external pools.</summary>
    public PoolUsage? Usage(string pool)
    {
        if (!_pools.TryGetValue(pool, out var state)) return null;
        var def = state.Definition;
        return new PoolUsage(def, def.Size(IpFamily.IPv4), def.Size(IpFamily.IPv6),
            state.Used(IpFamily.IPv4), state.Used(IpFamily.IPv6));
    }

    /// <summary>Use of every local and remote pool, sorted by name.</summary>
    public IReadOnlyList<PoolUsage> Usage() =>
        _config.Pools.Where(p => p.Kind != PoolKind.External).Select(p => Usage(p.Name)!).ToList();

    /// <summary>What the ledger holds for a Service, or null.</summary>
    public ServiceAllocation? AllocationOf(string serviceKey) =>
        _services.TryGetValue(serviceKey, out var svc)
            ? new ServiceAllocation(svc.Key, svc.Addresses.ToArray(a => a.Address), AllocatedFrom(svc),
                svc.SharingKey.Length == 0 ? null : svc.SharingKey, svc.Ports,
                svc.Addresses.ToArray(a => a.Address, where: a => a.Range is null))
            : null;

    /// <summary>Whether the ledger holds anything for a Service; <see cref="AllocationOf"/> without building the answer.</summary>
    public bool Knows(string serviceKey) => _services.ContainsKey(serviceKey);

    /// <summary>The Services holding an address, in registration order.</summary>
    public IReadOnlyList<string> ServicesOn(IpAddr address) =>
        _addresses.TryGetValue(address, out var e) ? e.Holders.Select(h => h.Key).ToArray() : [];

    /// <summary>Every Service key in the ledger.</summary>
    public IEnumerable<string> Services => _services.Keys;

    /// <summary>True when some Service holds the address.</summary>
    public bool IsHeld(IpAddr address) => _addresses.ContainsKey(address);

    // ---- primitives (journaled so a failed operation can be undone exactly) ---------------------

    private ServiceEntry CreateService(string key, string ns)
    {
        var svc = new ServiceEntry(key, ns);
        _services.Add(key, svc);
        _journal.Add(new JournalEntry(JournalKind.ServiceCreated, svc, default, 0, null, null));
        return svc;
    }

    private void SetRegistration(ServiceEntry svc, string key, ServicePort[] ports)
    {
        _journal.Add(new JournalEntry(JournalKind.RegistrationChanged, svc, default, 0, svc.SharingKey, svc.Ports));
        svc.SharingKey = key;
        svc.Ports = Shared(ports);
    }

    /// <summary>
    /// One array per distinct single port: nearly every Service registers exactly one, and most the same one, so
    /// 10,000 Services hold a handful of arrays instead of 10,000. Port arrays are never modified after this point.
    /// </summary>
    private ServicePort[] Shared(ServicePort[] ports)
    {
        if (ports.Length != 1) return ports;
        if (_singlePorts.TryGetValue(ports[0], out var shared)) return shared;
        if (_singlePorts.Count < MaxSharedPorts) _singlePorts[ports[0]] = ports;
        return ports;
    }

    /// <summary>Registers a Service on an address whose offset the range allocator has just handed out.</summary>
    private AddressEntry RegisterTaken(ServiceEntry svc, RangeState range, UInt128 offset)
    {
        var entry = new AddressEntry(range.Range.At(offset)) { Pool = range.Pool, Range = range };
        _addresses.Add(entry.Address, entry);
        Attach(svc, entry, svc.Addresses.Count);
        return entry;
    }

    /// <summary>Registers a Service on a given address (free, or held by compatible Services — the caller checked).</summary>
    private void Register(ServiceEntry svc, IpAddr address, int index)
    {
        if (!_addresses.TryGetValue(address, out var entry))
        {
            entry = new AddressEntry(address);
            Place(entry);
            _addresses.Add(address, entry);
        }
        if (entry.HasHolder(svc)) return;
        Attach(svc, entry, index);
    }

    private void Attach(ServiceEntry svc, AddressEntry entry, int index)
    {
        entry.AddHolder(svc);
        svc.Addresses.Insert(index, entry);
        if (entry.HolderCount == 1 && svc.SharingKey.Length > 0) entry.Pool?.AddBinding(entry);
        _journal.Add(new JournalEntry(JournalKind.Registered, svc, entry.Address, index, null, null));
    }

    private void Unregister(ServiceEntry svc, AddressEntry entry)
    {
        int index = svc.Addresses.IndexOf(entry);
        svc.Addresses.RemoveAt(index);
        entry.RemoveHolder(svc);
        if (entry.HolderCount == 0)
        {
            if (svc.SharingKey.Length > 0) entry.Pool?.RemoveBinding(entry, svc.SharingKey);
            entry.Range?.Allocator.Free(entry.Offset);
            _addresses.Remove(entry.Address);
        }
        _journal.Add(new JournalEntry(JournalKind.Unregistered, svc, entry.Address, index, null, null));
    }

    private void DropIfEmpty(ServiceEntry svc)
    {
        if (svc.Addresses.Count > 0) return;
        _services.Remove(svc.Key);
        _journal.Add(new JournalEntry(JournalKind.ServiceRemoved, svc, default, 0, null, null));
    }

    /// <summary>Undoes journal entries back to <paramref name="mark"/>, newest first.</summary>
    private void RollbackTo(int mark)
    {
        for (int i = _journal.Count - 1; i >= mark; i--)
        {
            var j = _journal[i];
            switch (j.Kind)
            {
                case JournalKind.ServiceCreated:
                    _services.Remove(j.Service.Key);
                    break;
                case JournalKind.ServiceRemoved:
                    _services.Add(j.Service.Key, j.Service);
                    break;
                case JournalKind.RegistrationChanged:
                    j.Service.SharingKey = j.OldKey!;
                    j.Service.Ports = j.OldPorts!;
                    break;
                case JournalKind.Registered:
                    Unregister(j.Service, _addresses[j.Address]);
                    break;
                case JournalKind.Unregistered:
                    Register(j.Service, j.Address, j.Index);
                    break;
            }
        }
        _journal.RemoveRange(mark, _journal.Count - mark);
    }

    private void Commit() => _journal.Clear();

    private static HashSet<string> TouchedPools(ServiceEntry svc)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in svc.Addresses)
            if (a.Pool is not null) set.Add(a.Pool.Definition.Name);
        return set;
    }

    private void Notify(IEnumerable<string> pools)
    {
        if (PoolChanged is null) return;
        foreach (var p in pools) PoolChanged(p);
    }

    private enum JournalKind : byte
    {
        ServiceCreated,
        ServiceRemoved,
        RegistrationChanged,
        Registered,
        Unregistered,
    }

    private readonly record struct JournalEntry(
        JournalKind Kind, ServiceEntry Service, IpAddr Address, int Index, string? OldKey, ServicePort[]? OldPorts);
}

/// <summary>The outcome of <see cref="IpamLedger.SetConfig"/>.</summary>
/// <param name="Applied">False when the configuration was refused and the previous one stays.</param>
/// <param name="Error">Why it was refused.</param>
/// <param name="Rehomed">Held addresses that lie in a pool of the new configuration.</param>
/// <param name="Orphaned">(address, Service) pairs kept although no pool contains the address any more.</param>
public sealed record ConfigChangeResult(bool Applied, string? Error, int Rehomed, IReadOnlyList<(IpAddr Address, string Service)> Orphaned);

/// <summary>What the ledger holds for one Service.</summary>
/// <param name="AllocatedFrom">The names of the pools holding its addresses, joined with ", ".</param>
/// <param name="OutsidePools">Addresses it holds that no configured pool contains.</param>
public sealed record ServiceAllocation(
    string ServiceKey, IReadOnlyList<IpAddr> Addresses, string AllocatedFrom, string? SharingKey,
    IReadOnlyList<ServicePort> Ports, IReadOnlyList<IpAddr> OutsidePools);
