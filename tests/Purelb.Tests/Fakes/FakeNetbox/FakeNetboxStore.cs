using System.Net;
using System.Net.Sockets;

namespace Purelb.Tests.Fakes.FakeNetbox;

/// <summary>
/// The fake's in-memory database. Every method takes the one lock, so available-ips creation is
/// serialised the way Netbox's advisory lock serialises it per prefix.
/// </summary>
public sealed class FakeNetboxStore
{
    internal readonly object Lock = new();
    internal readonly List<FakeTenant> Tenants = [];
    internal readonly List<FakePrefix> Prefixes = [];
    internal readonly List<FakeIpAddress> Ips = [];
    internal readonly List<FakeToken> Tokens = [];
    private int _nextId = 1;
    private readonly TimeProvider _time;

    public FakeNetboxStore(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>Duplicate host addresses (same VRF) are refused, like Netbox with ENFORCE_GLOBAL_UNIQUE.</summary>
    public bool EnforceGlobalUnique { get; set; } = true;

    public void Reset()
    {
        lock (Lock)
        {
            Tenants.Clear();
            Prefixes.Clear();
            Ips.Clear();
            Tokens.Clear();
        }
    }

    public FakeToken AddToken(FakeToken token)
    {
        lock (Lock) Tokens.Add(token);
        return token;
    }

    public int AddTenant(string name, string slug)
    {
        lock (Lock)
        {
            int id = _nextId++;
            Tenants.Add(new FakeTenant(id, name, slug));
            return id;
        }
    }

    public int AddPrefix(string cidr, string? tenantSlug = null, bool isPool = false, int? vrfId = null)
    {
        lock (Lock)
        {
            int id = _nextId++;
            Prefixes.Add(new FakePrefix(id, IPNetwork.Parse(cidr), vrfId, TenantBySlug(tenantSlug)?.Id, "active", isPool));
            return id;
        }
    }

    public bool RemovePrefix(int id)
    {
        lock (Lock) return Prefixes.RemoveAll(p => p.Id == id) > 0;
    }

    /// <summary>Seeds an IP record directly (no uniqueness check), e.g. reserved addresses or foreign records.</summary>
    public int AddIp(string address, string status = "active", string? tenantSlug = null, string description = "", string dnsName = "", int? vrfId = null)
    {
        lock (Lock)
        {
            int slash = address.IndexOf('/');
            var now = _time.GetUtcNow();
            var record = new FakeIpAddress
            {
                Id = _nextId++,
                Ip = IPAddress.Parse(address[..slash]),
                PrefixLength = int.Parse(address[(slash + 1)..]),
                Status = status,
                TenantId = TenantBySlug(tenantSlug)?.Id,
                VrfId = vrfId,
                Description = description,
                DnsName = dnsName,
                Created = now,
                LastUpdated = now,
            };
            Ips.Add(record);
            return record.Id;
        }
    }

    /// <summary>Changes a record behind the client's back (another Netbox user), bumping its ETag.</summary>
    public void Modify(int id, Func<FakeIpAddress, FakeIpAddress> change)
    {
        lock (Lock)
        {
            int i = Ips.FindIndex(r => r.Id == id);
            var updated = change(Ips[i]);
            Ips[i] = updated with { Version = Ips[i].Version + 1, LastUpdated = _time.GetUtcNow() };
        }
    }

    /// <summary>A snapshot of every IP record, in Netbox order.</summary>
    public IReadOnlyList<FakeIpAddress> Addresses
    {
        get
        {
            lock (Lock)
            {
                var copy = Ips.ToList();
                copy.Sort(IpMath.Compare);
                return copy;
            }
        }
    }

    public FakeIpAddress? Address(int id)
    {
        lock (Lock) return Ips.FirstOrDefault(r => r.Id == id);
    }

    public string? TenantSlugOf(FakeIpAddress record)
    {
        lock (Lock) return Tenants.FirstOrDefault(t => t.Id == record.TenantId)?.Slug;
    }

    internal FakeTenant? TenantBySlug(string? slug) => slug is null ? null : Tenants.FirstOrDefault(t => t.Slug == slug);

    internal int NextId() => _nextId++;

    internal DateTimeOffset Now() => _time.GetUtcNow();

    /// <summary>Free hosts of a prefix in ascending order, skipping any host recorded in the same VRF.</summary>
    internal IEnumerable<IPAddress> Available(FakePrefix prefix)
    {
        bool v6 = prefix.Network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;
        var used = Ips.Where(r => r.VrfId == prefix.VrfId && prefix.Network.Contains(r.Ip))
            .Select(r => IpMath.ToInt(r.Ip)).ToHashSet();
        var (first, last) = IpMath.Usable(prefix);
        for (UInt128 v = first; ; v++)
        {
            if (!used.Contains(v))
                yield return IpMath.FromInt(v, v6);
            if (v == last)
                yield break;
        }
    }

    internal bool IsDuplicate(IPAddress ip, int? vrfId, int exceptId) =>
        EnforceGlobalUnique && Ips.Any(r => r.Id != exceptId && r.VrfId == vrfId && r.Ip.Equals(ip));
}
