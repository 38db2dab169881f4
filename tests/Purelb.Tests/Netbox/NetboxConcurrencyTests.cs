using Purelb.Ipam.External;
using Purelb.Tests.Fakes.FakeNetbox;
using Xunit;

namespace Purelb.Tests.Netbox;

public class NetboxConcurrencyTests : NetboxTestBed
{
    [Fact]
    public async Task Concurrent_allocations_through_one_source_never_share_an_address()
    {
        var source = Source();
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => source.AllocateAsync(V4($"ns/svc{i}"), None)));

        Assert.Equal(6, results.Select(r => Assert.Single(r)).Distinct().Count());
        Assert.Equal(6, Netbox.Store.Addresses.Count);
    }

    [Fact]
    public async Task Two_allocators_racing_for_one_service_converge_on_one_record()
    {
        // Both look the Service up before either creates anything, then both create.
        var bothPosted = new TaskCompletionSource();
        Netbox.Inject(new FakeFault(FakeFaultKind.DelayBefore, Match: r => r.Method == "POST", Until: bothPosted.Task), count: 2);
        var a = Source();
        var b = Source();

        var racing = Task.WhenAll(a.AllocateAsync(V4("web/frontend"), None), b.AllocateAsync(V4("web/frontend"), None));
        for (int i = 0; i < 500 && Netbox.Requests.Count(r => r.Method == "POST") < 2; i++)
            await Task.Delay(10);
        bothPosted.SetResult();
        var results = await racing;

        Assert.Equal(2, Netbox.Requests.Count(r => r.Method == "POST"));
        Assert.Equal(Ips(results[0]), Ips(results[1]));
        var record = Assert.Single(Netbox.Store.Addresses);
        Assert.Equal(Ips(results[0]), record.Ip.ToString());
    }

    [Fact]
    public async Task Two_allocators_for_different_services_get_different_addresses()
    {
        Netbox.Inject(new FakeFault(FakeFaultKind.DelayBefore, Delay: TimeSpan.FromMilliseconds(100), Match: r => r.Method == "POST"), count: 2);
        var results = await Task.WhenAll(Source().AllocateAsync(V4("web/a"), None), Source().AllocateAsync(V4("web/b"), None));
        Assert.NotEqual(Ips(results[0]), Ips(results[1]));
        Assert.Equal(2, Netbox.Store.Addresses.Count);
    }
}
