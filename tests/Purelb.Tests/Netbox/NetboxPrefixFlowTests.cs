using System.Net;
using System.Text.Json;
using Purelb.Ipam.External;
using Purelb.Ipam.Netbox;
using Xunit;

namespace Purelb.Tests.Netbox;

public class NetboxPrefixFlowTests : NetboxTestBed
{
    [Fact]
    public async Task Allocation_creates_one_marked_active_record_through_available_ips()
    {
        var source = Source();
        var ips = await source.AllocateAsync(V4("web/frontend"), None);

        Assert.Equal("192.0.2.1", Ips(ips));
        var record = Assert.Single(Netbox.Store.Addresses);
        Assert.Equal("192.0.2.1/29", record.Address);
        Assert.Equal("active", record.Status);
        Assert.Equal("k8s", Netbox.Store.TenantSlugOf(record));
        Assert.Equal("purelb web/frontend", record.Description);
        Assert.Equal("frontend.web", record.DnsName);

        var post = Assert.Single(Netbox.Requests, r => r.Method == "POST");
        Assert.Equal($"/api/ipam/prefixes/{V4PrefixId}/available-ips/", post.Path);
        using var body = JsonDocument.Parse(post.Body);
        Assert.Equal("active", body.RootElement.GetProperty("status").GetString());
        Assert.Equal("k8s", body.RootElement.GetProperty("tenant").GetProperty("slug").GetString());
        Assert.Equal("application/json; charset=utf-8", post.Header("Content-Type"));
        // The owner lookup comes before anything is created.
        Assert.True(Netbox.Requests.ToList().FindIndex(r => r.Query.Contains("description=")) <
                    Netbox.Requests.ToList().FindIndex(r => r.Method == "POST"));
    }

    [Fact]
    public async Task Repeated_allocation_returns_the_same_address_and_creates_nothing()
    {
        var source = Source();
        var first = await source.AllocateAsync(V4("web/frontend"), None);
        var second = await source.AllocateAsync(V4("web/frontend"), None);

        Assert.Equal(Ips(first), Ips(second));
        Assert.Single(Netbox.Store.Addresses);
        Assert.Single(Netbox.Requests, r => r.Method == "POST");
    }

    [Fact]
    public async Task A_restarted_allocator_finds_and_keeps_the_address()
    {
        var before = await Source().AllocateAsync(V4("web/frontend"), None);

        var restarted = Source();
        Assert.Equal(Ips(before), Ips(await restarted.FindExistingAsync(new ExternalOwner("web/frontend"), None)));
        Assert.Equal(Ips(before), Ips(await restarted.AllocateAsync(V4("web/frontend"), None)));
        Assert.Single(Netbox.Store.Addresses);
    }

    [Fact]
    public async Task Dual_stack_takes_one_address_per_family_and_release_deletes_both()
    {
        var source = Source();
        var ips = await source.AllocateAsync(Dual("web/frontend"), None);

        Assert.Equal("192.0.2.1,2001:db8::1", Ips(ips));
        Assert.Equal(2, Owned().Count);

        await source.ReleaseAsync(new ExternalOwner("web/frontend"), null, None);
        Assert.Empty(Netbox.Store.Addresses);
        Assert.Equal(2, Netbox.Requests.Count(r => r.Method == "DELETE"));
    }

    [Fact]
    public async Task Adding_a_family_keeps_the_first_address()
    {
        var source = Source();
        await source.AllocateAsync(V4("web/frontend"), None);
        var both = await source.AllocateAsync(Dual("web/frontend"), None);

        Assert.Equal("192.0.2.1,2001:db8::1", Ips(both));
        Assert.Equal(2, Netbox.Store.Addresses.Count);
    }

    [Fact]
    public async Task Release_of_one_address_keeps_the_other_family()
    {
        var source = Source();
        await source.AllocateAsync(Dual("web/frontend"), None);
        await source.ReleaseAsync(new ExternalOwner("web/frontend"), IPAddress.Parse("2001:db8::1"), None);

        var left = Assert.Single(Netbox.Store.Addresses);
        Assert.Equal("192.0.2.1/29", left.Address);
    }

    [Fact]
    public async Task Releasing_an_owner_without_records_succeeds_and_touches_nothing()
    {
        Netbox.Store.AddIp("192.0.2.5/29", "active", "k8s", "someone else's");
        var source = Source();
        await source.ReleaseAsync(new ExternalOwner("web/none"), null, None);
        await source.ReleaseAsync(new ExternalOwner("web/none"), null, None);

        Assert.Single(Netbox.Store.Addresses);
        Assert.DoesNotContain(Netbox.Requests, r => r.Method is "DELETE" or "PATCH");
    }

    [Fact]
    public async Task Services_get_distinct_addresses_until_the_prefix_is_exhausted()
    {
        var source = Source();
        var seen = new HashSet<IPAddress>();
        for (int i = 0; i < 6; i++)
            Assert.True(seen.Add(Assert.Single(await source.AllocateAsync(V4($"ns/svc{i}"), None))));

        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => source.AllocateAsync(V4("ns/svc6"), None));
        Assert.Equal(ExternalIpamErrorKind.PoolExhausted, error.Kind);
        Assert.Equal(409, error.HttpStatus);
        Assert.Contains("Insufficient resources", error.Message);
        Assert.Equal(6, Netbox.Store.Addresses.Count);
        Assert.Equal(6, Netbox.Store.Addresses.Select(r => r.Ip).Distinct().Count());

        await source.ReleaseAsync(new ExternalOwner("ns/svc2"), null, None);
        Assert.Equal("192.0.2.3", Ips(await source.AllocateAsync(V4("ns/svc6"), None)));
    }

    [Fact]
    public async Task Addresses_recorded_by_others_are_skipped()
    {
        Netbox.Store.AddIp("192.0.2.1/29", "active", "others", "router");
        Netbox.Store.AddIp("192.0.2.2/32", "reserved", null, "");
        var ips = await Source().AllocateAsync(V4("web/frontend"), None);
        Assert.Equal("192.0.2.3", Ips(ips));
    }

    [Fact]
    public async Task Sharing_services_get_one_record_keyed_by_the_sharing_key()
    {
        var source = Source();
        var a = await source.AllocateAsync(V4("web/http", "vip-1"), None);
        var b = await source.AllocateAsync(V4("web/https", "vip-1"), None);

        Assert.Equal(Ips(a), Ips(b));
        var record = Single("purelb shared:netbox-pool/vip-1");
        Assert.Equal("", record.DnsName);
    }

    [Fact]
    public async Task Two_groups_on_one_tenant_with_the_same_sharing_key_never_share_a_record()
    {
        var a = await Source().AllocateAsync(V4("web/http", "vip-1"), None);
        var b = await Source(poolName: "other-pool").AllocateAsync(V4("shop/http", "vip-1"), None);

        Assert.NotEqual(Ips(a), Ips(b));
        Single("purelb shared:netbox-pool/vip-1");
        Single("purelb shared:other-pool/vip-1");
    }

    [Fact]
    public async Task Prefix_selected_by_id_and_prefix_length_are_honoured()
    {
        var spec = new NetboxSpec { Url = Netbox.BaseUrl, Tenant = "k8s", V4PrefixId = V4PrefixId, PrefixLength = 32 };
        var ips = await Source(spec).AllocateAsync(V4("web/frontend"), None);
        Assert.Equal("192.0.2.1", Ips(ips));
        Assert.Equal("192.0.2.1/32", Assert.Single(Netbox.Store.Addresses).Address);
    }

    [Fact]
    public async Task A_cluster_name_scopes_the_marker_and_the_dns_zone_extends_the_name()
    {
        var spec = PrefixSpec(Netbox.BaseUrl) with { Cluster = "prod-1", DnsZone = "lb.example.com" };
        await Source(spec).AllocateAsync(V4("web/frontend"), None);
        var record = Single("purelb prod-1 web/frontend");
        Assert.Equal("frontend.web.lb.example.com", record.DnsName);

        // Another cluster with the same tenant does not see it as its own.
        var other = Source(PrefixSpec(Netbox.BaseUrl) with { Cluster = "prod-2" });
        Assert.Empty(await other.FindExistingAsync(new ExternalOwner("web/frontend"), None));
        Assert.Empty(await other.ListAsync(None));
    }

    [Fact]
    public async Task Unknown_prefix_and_unknown_tenant_are_not_found_errors_that_create_nothing()
    {
        var missingPrefix = Source(new NetboxSpec { Url = Netbox.BaseUrl, Tenant = "k8s", V4PrefixId = 999 });
        var e1 = await Assert.ThrowsAsync<ExternalIpamException>(() => missingPrefix.AllocateAsync(V4("web/a"), None));
        Assert.Equal(ExternalIpamErrorKind.NotFound, e1.Kind);
        Assert.Contains("999", e1.Message);

        var missingCidr = Source(new NetboxSpec { Url = Netbox.BaseUrl, Tenant = "k8s", V4Prefix = "198.51.100.0/24" });
        var e2 = await Assert.ThrowsAsync<ExternalIpamException>(() => missingCidr.AllocateAsync(V4("web/a"), None));
        Assert.Equal(ExternalIpamErrorKind.NotFound, e2.Kind);
        Assert.Contains("198.51.100.0/24", e2.Message);

        var missingTenant = Source(PrefixSpec(Netbox.BaseUrl) with { Tenant = "nobody" });
        var e3 = await Assert.ThrowsAsync<ExternalIpamException>(() => missingTenant.AllocateAsync(V4("web/a"), None));
        Assert.Equal(ExternalIpamErrorKind.NotFound, e3.Kind);
        Assert.Contains("tenant", e3.Message);
        Assert.Contains("nobody", e3.Message);

        Assert.Empty(Netbox.Store.Addresses);
    }

    [Fact]
    public async Task A_family_without_a_prefix_is_refused_before_any_write()
    {
        var source = Source(new NetboxSpec { Url = Netbox.BaseUrl, Tenant = "k8s", V4Prefix = "192.0.2.0/29" });
        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => source.AllocateAsync(Dual("web/a"), None));
        Assert.Equal(ExternalIpamErrorKind.NotConfigured, error.Kind);
        Assert.Empty(Netbox.Requests);
    }

    [Fact]
    public async Task Lookups_page_through_every_result()
    {
        var source = Source(pageSize: 2);
        for (int i = 0; i < 5; i++)
            await source.AllocateAsync(V4($"ns/svc{i}"), None);
        Netbox.ClearLog();

        var holdings = await source.ListAsync(None);

        Assert.Equal(5, holdings.Count);
        Assert.Equal(["ns/svc0", "ns/svc1", "ns/svc2", "ns/svc3", "ns/svc4"], holdings.Select(h => h.Owner.ServiceKey).Order());
        Assert.Equal(["0", "2", "4"], Netbox.Requests.Select(r => System.Web.HttpUtility.ParseQueryString(r.Query)["offset"]!));
    }

    [Fact]
    public async Task Duplicate_records_for_one_owner_converge_on_the_oldest()
    {
        // Two allocators raced: both created a record for the same Service.
        int oldest = Netbox.Store.AddIp("192.0.2.4/29", "active", "k8s", "purelb web/frontend");
        Netbox.Store.AddIp("192.0.2.2/29", "active", "k8s", "purelb web/frontend");

        var ips = await Source().AllocateAsync(V4("web/frontend"), None);

        Assert.Equal("192.0.2.4", Ips(ips));
        Assert.Equal(oldest, Assert.Single(Netbox.Store.Addresses).Id);
    }

    [Fact]
    public async Task List_and_stats_report_only_purelb_records_of_this_tenant()
    {
        Netbox.Store.AddIp("192.0.2.6/29", "active", "k8s", "gateway");
        Netbox.Store.AddIp("192.0.2.5/29", "active", "others", "purelb web/spy");
        var source = Source();
        await source.AllocateAsync(Dual("web/frontend"), None);
        await source.AllocateAsync(V4("web/api", "shared-1"), None);

        var holdings = await source.ListAsync(None);
        Assert.Equal(3, holdings.Count);
        Assert.Contains(holdings, h => h.Owner.SharingKey == "shared-1" && h.Address.Equals(IPAddress.Parse("192.0.2.2")));

        var stats = await source.StatsAsync(None);
        Assert.Equal(6UL, stats.SizeV4);
        Assert.Equal(7UL, stats.SizeV6);
        Assert.Equal(4UL, stats.InUseV4); // every record in the prefix uses space, purelb's or not
        Assert.Equal(1UL, stats.InUseV6);
        Assert.Equal(["192.0.2.0/29", "2001:db8::/125"], stats.DisplayAddresses);
    }

    [Fact]
    public async Task Url_given_with_api_suffix_reaches_the_same_endpoints()
    {
        var source = Source(PrefixSpec(Netbox.BaseUrl + "api"));
        Assert.Equal("4.6.8", await source.CheckAsync(None));
        Assert.All(Netbox.Requests, r => Assert.StartsWith("/api/", r.Path));
        Assert.DoesNotContain(Netbox.Requests, r => r.Path.StartsWith("/api/api", StringComparison.Ordinal));
    }
}
