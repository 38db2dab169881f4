using Purelb.Ipam.External;
using Xunit;

namespace Purelb.Tests.Netbox;

/// <summary>Pinned addresses (purelb.io/addresses) are claimed in Netbox too, never taken from someone else.</summary>
public class NetboxPinnedTests : NetboxTestBed
{
    [Fact]
    public async Task A_free_pinned_address_is_recorded_and_released_by_deleting_it()
    {
        var source = Source();
        var ips = await source.AllocateAsync(Pinned("web/frontend", "192.0.2.5"), None);
        Assert.Equal("192.0.2.5", Ips(ips));
        var record = Single("purelb web/frontend");
        Assert.Equal("192.0.2.5/29", record.Address);
        Assert.Equal("active", record.Status);

        Assert.Equal("192.0.2.5", Ips(await source.AllocateAsync(Pinned("web/frontend", "192.0.2.5"), None)));
        Assert.Single(Netbox.Store.Addresses);

        // The next dynamic allocation does not hand the pinned address to anyone else.
        Assert.Equal("192.0.2.1", Ips(await source.AllocateAsync(V4("web/other"), None)));

        await source.ReleaseAsync(new ExternalOwner("web/frontend"), null, None);
        Assert.DoesNotContain(Netbox.Store.Addresses, r => r.Address == "192.0.2.5/29");
    }

    [Fact]
    public async Task A_pinned_address_held_by_someone_else_is_refused_and_left_alone()
    {
        int foreign = Netbox.Store.AddIp("192.0.2.5/29", "active", "others", "database VIP");
        var source = Source();

        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => source.AllocateAsync(Pinned("web/frontend", "192.0.2.5"), None));
        Assert.Equal(ExternalIpamErrorKind.AddressInUse, error.Kind);
        Assert.Contains("database VIP", error.Message);
        var record = Assert.Single(Netbox.Store.Addresses);
        Assert.Equal(foreign, record.Id);
        Assert.Equal(1, record.Version);
    }

    [Fact]
    public async Task A_pinned_address_held_by_another_service_is_refused()
    {
        var source = Source();
        await source.AllocateAsync(Pinned("web/a", "192.0.2.5"), None);
        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => source.AllocateAsync(Pinned("web/b", "192.0.2.5"), None));
        Assert.Equal(ExternalIpamErrorKind.AddressInUse, error.Kind);
        Assert.Equal("purelb web/a", Assert.Single(Netbox.Store.Addresses).Description);
    }

    [Fact]
    public async Task A_reserved_record_of_the_tenant_is_claimed_and_returned_to_reserved()
    {
        int reserved = Netbox.Store.AddIp("192.0.2.6/29", "reserved", "k8s", "kept for the web team");
        var source = Source();

        Assert.Equal("192.0.2.6", Ips(await source.AllocateAsync(Pinned("web/frontend", "192.0.2.6"), None)));
        Assert.Equal("active", Netbox.Store.Address(reserved)!.Status);

        await source.ReleaseAsync(new ExternalOwner("web/frontend"), null, None);
        var back = Netbox.Store.Address(reserved)!;
        Assert.Equal("reserved", back.Status);
        Assert.Single(Netbox.Store.Addresses);
    }

    [Fact]
    public async Task A_pinned_address_outside_the_prefix_is_an_invalid_request()
    {
        var error = await Assert.ThrowsAsync<ExternalIpamException>(() =>
            Source().AllocateAsync(Pinned("web/frontend", "192.0.2.77"), None));
        Assert.Equal(ExternalIpamErrorKind.InvalidRequest, error.Kind);
        Assert.Contains("192.0.2.0/29", error.Message);
        Assert.Empty(Netbox.Store.Addresses);
    }

    [Fact]
    public async Task In_the_reserved_flow_a_pinned_address_must_be_reserved_for_the_tenant()
    {
        var error = await Assert.ThrowsAsync<ExternalIpamException>(() =>
            Source(ReservedSpec(Netbox.BaseUrl)).AllocateAsync(Pinned("web/frontend", "198.51.100.20"), None));
        Assert.Equal(ExternalIpamErrorKind.NotFound, error.Kind);
        Assert.Contains("reserved address of tenant k8s", error.Message);
        Assert.Empty(Netbox.Store.Addresses);
    }

    [Fact]
    public async Task Dual_stack_pins_that_fail_half_way_give_back_the_first()
    {
        Netbox.Store.AddIp("2001:db8::3/125", "active", "others", "taken");
        var source = Source();
        var error = await Assert.ThrowsAsync<ExternalIpamException>(() =>
            source.AllocateAsync(Pinned("web/frontend", "192.0.2.3", "2001:db8::3"), None));
        Assert.Equal(ExternalIpamErrorKind.AddressInUse, error.Kind);
        Assert.Equal("taken", Assert.Single(Netbox.Store.Addresses).Description);
    }
}
