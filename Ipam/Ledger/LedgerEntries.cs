namespace Purelb.Ipam;

/// <summary>A Service known to the ledger: its registration (key, ports) and the addresses it holds, in ingress order.</summary>
internal sealed class ServiceEntry(string key, string ns)
{
    public string Key { get; } = key;

    public string Namespace { get; } = ns;

    /// <summary>"" when the Service does not share.</summary>
    public string SharingKey { get; set; } = "";

    public ServicePort[] Ports { get; set; } = [];

    private InlineList<AddressEntry> _addresses;

    /// <summary>The addresses held, in ingress order; by reference, so changes land in this entry.</summary>
    public ref InlineList<AddressEntry> Addresses => ref _addresses;

    public override string ToString() => Key;
}

/// <summary>
/// One address in use. All holders carry the same non-empty sharing key, or there is exactly one holder;
/// the address's key is therefore its holders' key. <see cref="Range"/> is null when the address lies
/// in no configured pool (kept after a config change, not counted, never handed out).
/// </summary>
internal sealed class AddressEntry(IpAddr address)
{
    public IpAddr Address { get; } = address;

    public PoolState? Pool { get; set; }

    public RangeState? Range { get; set; }

    /// <summary>The address's place in its range (only while <see cref="Range"/> is set). Derived rather than
    /// stored: 16 bytes less for every address in use.</summary>
    public UInt128 Offset => Range!.Range.OffsetOf(Address);

    private InlineList<ServiceEntry> _holders;

    public int HolderCount => _holders.Count;

    public ServiceEntry Holder(int index) => _holders[index];

    public bool HasHolder(ServiceEntry svc) => _holders.Contains(svc);

    public void AddHolder(ServiceEntry svc) => _holders.Add(svc);

    public void RemoveHolder(ServiceEntry svc) => _holders.Remove(svc);

    /// <summary>The holders in registration order (allocates; not for hot paths).</summary>
    public IEnumerable<ServiceEntry> Holders
    {
        get
        {
            for (int i = 0; i < _holders.Count; i++) yield return _holders[i];
        }
    }

    public string Key => _holders.Count > 0 ? _holders[0].SharingKey : "";
}

/// <summary>A range of a pool with its allocator.</summary>
internal sealed class RangeState(PoolRange definition, PoolState pool)
{
    public PoolRange Definition { get; } = definition;

    public PoolState Pool { get; } = pool;

    public RangeAllocator Allocator { get; } = new(definition.Range.LastOffset);

    public IpRange Range => Definition.Range;
}

/// <summary>Allocation state of one local or remote pool.</summary>
internal sealed class PoolState
{
    public PoolState(PoolDefinition definition)
    {
        Definition = definition;
        V4 = definition.V4Ranges.Select(r => new RangeState(r, this)).ToArray();
        V6 = definition.V6Ranges.Select(r => new RangeState(r, this)).ToArray();
    }

    public PoolDefinition Definition { get; }

    public RangeState[] V4 { get; }

    public RangeState[] V6 { get; }

    /// <summary>(sharing key, family) → the addresses of this pool carrying that key (normally one).</summary>
    public Dictionary<(string Key, IpFamily Family), List<AddressEntry>> Bindings { get; } = new();

    public RangeState[] Ranges(IpFamily family) => family == IpFamily.IPv4 ? V4 : V6;

    public UInt128 Used(IpFamily family)
    {
        UInt128 used = 0;
        foreach (var r in Ranges(family)) used += r.Allocator.Used;
        return used;
    }

    public void AddBinding(AddressEntry entry)
    {
        var k = (entry.Key, entry.Address.Family);
        if (!Bindings.TryGetValue(k, out var list)) Bindings[k] = list = new List<AddressEntry>(1);
        list.Add(entry);
    }

    public void RemoveBinding(AddressEntry entry, string key)
    {
        var k = (key, entry.Address.Family);
        if (!Bindings.TryGetValue(k, out var list)) return;
        list.Remove(entry);
        if (list.Count == 0) Bindings.Remove(k);
    }
}
