using System.Text.Json;
using Purelb.Ipam.External;
using Purelb.Tests.Fakes.FakeNetbox;
using Xunit;

namespace Purelb.Tests.Netbox;

/// <summary>The upstream v0.16 flow (claim a reserved record of the tenant), with the release and race handling it lacked.</summary>
public class NetboxReservedFlowTests : NetboxTestBed
{
    private int _r10, _r11;

    private void SeedReserved()
    {
        _r10 = Netbox.Store.AddIp("198.51.100.10/24", "reserved", "k8s");
        _r11 = Netbox.Store.AddIp("198.51.100.11/24", "reserved", "k8s");
        Netbox.Store.AddIp("198.51.100.9/24", "reserved", "others");
        Netbox.Store.AddIp("2001:db8:1::10/64", "reserved", "k8s");
    }

    [Fact]
    public async Task Allocation_marks_the_lowest_reserved_address_active_with_if_match()
    {
        SeedReserved();
        var ips = await Source(ReservedSpec(Netbox.BaseUrl)).AllocateAsync(V4("web/frontend"), None);

        Assert.Equal("198.51.100.10", Ips(ips));
        var record = Netbox.Store.Address(_r10)!;
        Assert.Equal("active", record.Status);
        Assert.Equal("purelb web/frontend [reserved]", record.Description);
        Assert.Equal("reserved", Netbox.Store.Address(_r11)!.Status);

        // v0.16's query, then the PATCH to active, now guarded by the ETag of a fresh read.
        var list = Assert.Single(Netbox.Requests, r => r.Query.Contains("status=reserved"));
        Assert.Contains("tenant=k8s", list.Query);
        var read = Assert.Single(Netbox.Requests, r => r.Method == "GET" && r.Path == $"/api/ipam/ip-addresses/{_r10}/");
        var patch = Assert.Single(Netbox.Requests, r => r.Method == "PATCH");
        Assert.Equal($"/api/ipam/ip-addresses/{_r10}/", patch.Path);
        using var body = JsonDocument.Parse(patch.Body);
        Assert.Equal("active", body.RootElement.GetProperty("status").GetString());
        Assert.Equal($"W/\"{_r10}-1\"", patch.Header("If-Match"));
        Assert.Equal(200, read.ResponseStatus);
    }

    [Fact]
    public async Task Release_returns_the_record_to_reserved_instead_of_leaking_it()
    {
        SeedReserved();
        var source = Source(ReservedSpec(Netbox.BaseUrl));
        await source.AllocateAsync(V4("web/frontend"), None);
        await source.ReleaseAsync(new ExternalOwner("web/frontend"), null, None);

        var record = Netbox.Store.Address(_r10)!;
        Assert.Equal("reserved", record.Status);
        Assert.Equal("", record.Description);
        Assert.Equal(4, Netbox.Store.Addresses.Count);
        Assert.DoesNotContain(Netbox.Requests, r => r.Method == "DELETE");

        // And it can be taken again.
        Assert.Equal("198.51.100.10", Ips(await source.AllocateAsync(V4("web/other"), None)));
    }

    [Fact]
    public async Task Repeats_and_restarts_keep_the_claimed_address()
    {
        SeedReserved();
        var first = await Source(ReservedSpec(Netbox.BaseUrl)).AllocateAsync(V4("web/frontend"), None);
        var again = await Source(ReservedSpec(Netbox.BaseUrl)).AllocateAsync(V4("web/frontend"), None);
        Assert.Equal(Ips(first), Ips(again));
        Assert.Single(Netbox.Store.Addresses, r => r.Status == "active");
    }

    [Fact]
    public async Task The_family_filter_picks_reserved_ipv6_for_ipv6_services()
    {
        SeedReserved();
        var ips = await Source(ReservedSpec(Netbox.BaseUrl)).AllocateAsync(Dual("web/frontend"), None);
        Assert.Equal("198.51.100.10,2001:db8:1::10", Ips(ips));
    }

    [Fact]
    public async Task Losing_the_race_for_a_record_with_etags_moves_on_to_the_next()
    {
        SeedReserved();
        bool raced = false;
        // Another Netbox user claims .10 between our read and our PATCH.
        Netbox.Inject(new FakeFault(FakeFaultKind.Status, Match: r =>
        {
            if (!raced && r.Method == "PATCH")
            {
                raced = true;
                Netbox.Store.Modify(_r10, x => x with { Status = "active", Description = "taken by a human" });
            }
            return false;
        }));

        var ips = await Source(ReservedSpec(Netbox.BaseUrl)).AllocateAsync(V4("web/frontend"), None);

        Assert.Equal("198.51.100.11", Ips(ips));
        Assert.Contains(Netbox.Requests, r => r.Method == "PATCH" && r.ResponseStatus == 412);
        Assert.Equal("taken by a human", Netbox.Store.Address(_r10)!.Description);
        Assert.Equal("purelb web/frontend [reserved]", Netbox.Store.Address(_r11)!.Description);
    }

    [Fact]
    public async Task Without_etags_a_write_that_did_not_stick_is_detected_by_reading_back()
    {
        SeedReserved();
        Netbox.EtagSupport = false;
        int reads = 0;
        // The other writer's PATCH lands right after ours (last write wins); our read-back sees it.
        Netbox.Inject(new FakeFault(FakeFaultKind.Status, Match: r =>
        {
            if (r.Method == "GET" && r.Path == $"/api/ipam/ip-addresses/{_r10}/" && ++reads == 2)
                Netbox.Store.Modify(_r10, x => x with { Description = "taken by a human" });
            return false;
        }));

        var ips = await Source(ReservedSpec(Netbox.BaseUrl)).AllocateAsync(V4("web/frontend"), None);

        Assert.Equal("198.51.100.11", Ips(ips));
        Assert.All(Netbox.Requests.Where(r => r.Method == "PATCH"), r => Assert.Null(r.Header("If-Match")));
        Assert.Single(Netbox.Store.Addresses, r => r.Description.StartsWith("purelb", StringComparison.Ordinal));
    }

    [Fact]
    public async Task No_reserved_address_left_is_pool_exhausted()
    {
        SeedReserved();
        var source = Source(ReservedSpec(Netbox.BaseUrl));
        await source.AllocateAsync(V4("web/a"), None);
        await source.AllocateAsync(V4("web/b"), None);

        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => source.AllocateAsync(V4("web/c"), None));
        Assert.Equal(ExternalIpamErrorKind.PoolExhausted, error.Kind);
        Assert.Contains("k8s", error.Message);
        // The other tenant's reserved address was never touched.
        Assert.Equal("reserved", Assert.Single(Netbox.Store.Addresses, r => r.Address == "198.51.100.9/24").Status);
    }

    [Fact]
    public async Task A_412_on_release_is_retried_with_a_fresh_etag()
    {
        SeedReserved();
        var source = Source(ReservedSpec(Netbox.BaseUrl));
        await source.AllocateAsync(V4("web/frontend"), None);
        Netbox.ClearLog();
        Netbox.Inject(FakeFault.Http(412, r => r.Method == "PATCH"));

        await source.ReleaseAsync(new ExternalOwner("web/frontend"), null, None);

        Assert.Equal("reserved", Netbox.Store.Address(_r10)!.Status);
        Assert.Equal([412, 200], Netbox.Requests.Where(r => r.Method == "PATCH").Select(r => r.ResponseStatus));
    }

    [Fact]
    public async Task Stats_count_claimed_and_still_reserved_addresses()
    {
        SeedReserved();
        var source = Source(ReservedSpec(Netbox.BaseUrl));
        await source.AllocateAsync(V4("web/a"), None);
        var stats = await source.StatsAsync(None);
        Assert.Equal(1UL, stats.InUseV4);
        Assert.Equal(2UL, stats.SizeV4);
        Assert.Equal(0UL, stats.InUseV6);
        Assert.Equal(1UL, stats.SizeV6);
    }
}
