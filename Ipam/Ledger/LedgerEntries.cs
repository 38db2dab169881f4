namespace Purelb.Ipam;

/// <summary>A Service known to the ledger: its registration (key, ports) and the addresses it holds, in ingress order.</summary>
internal sealed class ServiceEntry(string key, string ns)
{
    public string Key { get; } = key;

    public string Namespace { get; } = ns;

    /// <summary>"" when the Service does not share.</summary>
    public string SharingKey { get; set; } = "";

    public ServicePort[] Ports { get; set; } = [];

    // Nearly every Service holds one address; a dual-stack one grows the list once.
    public List<AddressEntry> Addresses { get; } = new(1);

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

    public UInt128 Offset { get; set; }

    // Nearly every address has one holder: keep it inline and only allocate a list for sharers.
    private ServiceEntry? _first;
    private List<ServiceEntry>? _more;

    public int HolderCount => _first is null ? 0 : 1 + (_more?.Count ?? 0);

    public ServiceEntry Holder(int index) => index == 0 ? _first! : _more![index - 1];

    public bool HasHolder(ServiceEntry svc) => _first == svc || (_more?.Contains(svc) ?? false);

    public void AddHolder(ServiceEntry svc)
    {
        if (_first is null) _first = svc;
        else (_more ??= new List<ServiceEntry>(2)).Add(svc);
    }

    public void RemoveHolder(ServiceEntry svc)
    {
        if (_first != svc)
        {
            _more?.Remove(svc);
            return;
        }
        if (_more is { Count: > 0 })
        {
            _first = _more[0];
            _more.RemoveAt(0);
        }
        else
        {
            _first = null;
        }
    }

    /// <summary>The holders in registration order (allocates; not for hot paths).</summary>
    public IEnumerable<ServiceEntry> Holders
    {
        get
        {
            if (_first is null) yield break;
            yield return _first;
            if (_more is null) yield break;
            foreach (var m in _more) yield return m;
        }
    }

    public string Key => _first?.SharingKey ?? "";
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
