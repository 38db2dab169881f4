using System.Net;
using Purelb.Ipam.External;
using Purelb.Ipam.Netbox;
using Purelb.Tests.Fakes.FakeNetbox;
using Xunit;

namespace Purelb.Tests.Netbox;

/// <summary>
/// A fresh fake Netbox per test, seeded with tenant <c>k8s</c>, tokens of both versions, an IPv4
/// /29 (six usable hosts .1–.6) and an IPv6 /125 (seven usable hosts ::1–::7).
/// </summary>
public abstract class NetboxTestBed : IAsyncLifetime
{
    public const string V1Token = "0123456789abcdef0123456789abcdef01234567";
    public const string V2Token = "nbt_abcdefghijkl.s3cretpartofthetoken000000000000";
    public const string ReadOnlyToken = "fedcba9876543210fedcba9876543210fedcba98";

    protected FakeNetboxServer Netbox = null!;
    protected int V4PrefixId, V6PrefixId, TenantId;
    private readonly List<IDisposable> _sources = [];

    public async Task InitializeAsync()
    {
        Netbox = await FakeNetboxServer.StartAsync();
        Seed(Netbox.Store);
    }

    protected void Seed(FakeNetboxStore store)
    {
        store.AddToken(FakeToken.V1(V1Token));
        store.AddToken(new FakeToken(V2Token));
        store.AddToken(FakeToken.V1(ReadOnlyToken, writeEnabled: false));
        TenantId = store.AddTenant("Kubernetes", "k8s");
        store.AddTenant("Others", "others");
        V4PrefixId = store.AddPrefix("192.0.2.0/29", "k8s");
        V6PrefixId = store.AddPrefix("2001:db8::/125", "k8s");
    }

    public async Task DisposeAsync()
    {
        foreach (var source in _sources)
            source.Dispose();
        await Netbox.DisposeAsync();
    }

    protected static NetboxSpec PrefixSpec(string url) => new()
    {
        Url = url,
        Tenant = "k8s",
        V4Prefix = "192.0.2.0/29",
        V6Prefix = "2001:db8::/125",
    };

    protected static NetboxSpec ReservedSpec(string url) => new() { Url = url, Tenant = "k8s", Flow = "reserved" };

    protected NetboxAddressSource Source(NetboxSpec? spec = null, string token = V1Token, int pageSize = 200,
        HttpMessageHandler? handler = null, string poolName = "netbox-pool")
    {
        spec ??= PrefixSpec(Netbox.BaseUrl);
        Assert.True(NetboxPoolConfig.TryCreate(spec, out var config, out var errors), string.Join("; ", errors));
        var source = new NetboxAddressSource(poolName, config!, token, handler) { PageSize = pageSize };
        _sources.Add(source);
        return source;
    }

    protected static ExternalAllocationRequest V4(string service, string? sharingKey = null) =>
        new(new ExternalOwner(service, sharingKey), FamilyRequest.IPv4);

    protected static ExternalAllocationRequest Dual(string service) => new(new ExternalOwner(service), FamilyRequest.DualStack);

    protected static ExternalAllocationRequest Pinned(string service, params string[] ips) =>
        new(new ExternalOwner(service), default, ips.Select(IPAddress.Parse).ToArray());

    protected static CancellationToken None => CancellationToken.None;

    /// <summary>Records carrying a purelb marker, as (address, status, description).</summary>
    protected IReadOnlyList<FakeIpAddress> Owned() =>
        Netbox.Store.Addresses.Where(r => r.Description.StartsWith("purelb ", StringComparison.Ordinal)).ToList();

    protected FakeIpAddress Single(string description) =>
        Assert.Single(Netbox.Store.Addresses, r => r.Description == description);

    protected static string Ips(IEnumerable<IPAddress> ips) => string.Join(",", ips);
}
