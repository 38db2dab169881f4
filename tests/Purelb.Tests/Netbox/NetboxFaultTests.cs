using Purelb.Ipam.External;
using Purelb.Tests.Fakes.FakeNetbox;
using Xunit;

namespace Purelb.Tests.Netbox;

/// <summary>
/// Every failure is typed, says what to fix, and leaves Netbox exactly as it should be: after the
/// fault clears, one retry ends with one record for the Service and nothing leaked.
/// </summary>
public class NetboxFaultTests : NetboxTestBed
{
    private static bool IsPost(FakeNetboxRequest r) => r.Method == "POST";

    public static TheoryData<string, FakeFault, ExternalIpamErrorKind, string> PostFaults => new()
    {
        { "500", FakeFault.Http(500, IsPost), ExternalIpamErrorKind.ServerError, "500" },
        { "503", FakeFault.Http(503, IsPost), ExternalIpamErrorKind.ServerError, "503" },
        { "401", FakeFault.Http(401, IsPost), ExternalIpamErrorKind.Unauthorized, "Secret netbox-client key user-token" },
        { "403", FakeFault.Http(403, IsPost), ExternalIpamErrorKind.Unauthorized, "write permission" },
        { "404", FakeFault.Http(404, IsPost), ExternalIpamErrorKind.NotFound, "404" },
        { "409", FakeFault.Http(409, IsPost), ExternalIpamErrorKind.PoolExhausted, "exhausted" },
        { "412", FakeFault.Http(412, IsPost), ExternalIpamErrorKind.ConcurrentUpdate, "412" },
        { "400", FakeFault.Http(400, IsPost), ExternalIpamErrorKind.InvalidRequest, "400" },
        { "login redirect", new FakeFault(FakeFaultKind.LoginRedirect, Match: IsPost), ExternalIpamErrorKind.Redirected, "login page" },
        { "html page", new FakeFault(FakeFaultKind.HtmlPage, Match: IsPost), ExternalIpamErrorKind.InvalidResponse, "HTML" },
        { "non-JSON", new FakeFault(FakeFaultKind.NonJson, Match: IsPost), ExternalIpamErrorKind.InvalidResponse, "JSON" },
    };

    [Theory]
    [MemberData(nameof(PostFaults))]
    public async Task A_failed_create_is_typed_leaves_nothing_and_the_retry_takes_one_address(
        string name, FakeFault fault, ExternalIpamErrorKind kind, string hint)
    {
        var source = Source();
        Netbox.Inject(fault);

        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => source.AllocateAsync(V4("web/frontend"), None));
        Assert.True(kind == error.Kind, $"{name}: {error.Kind}: {error.Message}");
        Assert.Contains(hint, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Netbox.Store.Addresses);

        Assert.Equal("192.0.2.1", Ips(await source.AllocateAsync(V4("web/frontend"), None)));
        Assert.Single(Netbox.Store.Addresses);
    }

    [Theory]
    [InlineData(FakeFaultKind.LoseAnswer, ExternalIpamErrorKind.Unavailable)]
    [InlineData(FakeFaultKind.DelayAnswer, ExternalIpamErrorKind.Timeout)]
    [InlineData(FakeFaultKind.DelayBefore, ExternalIpamErrorKind.Timeout)]
    public async Task An_answer_lost_after_netbox_created_the_record_is_adopted_not_duplicated(FakeFaultKind lost, ExternalIpamErrorKind kind)
    {
        var source = Source(PrefixSpec(Netbox.BaseUrl) with { TimeoutSeconds = 1 });
        Netbox.Inject(new FakeFault(lost, Delay: TimeSpan.FromSeconds(1.5), Match: IsPost));

        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => source.AllocateAsync(V4("web/frontend"), None));
        Assert.Equal(kind, error.Kind);
        if (lost == FakeFaultKind.DelayBefore)
            await WaitFor(() => Netbox.Store.Addresses.Count == 1);
        // Netbox did create it: the crash/timeout happened between its answer and our status write.
        Assert.Single(Netbox.Store.Addresses);

        var ips = await source.AllocateAsync(V4("web/frontend"), None);
        Assert.Equal("192.0.2.1", Ips(ips));
        Assert.Single(Netbox.Store.Addresses);
        Assert.Single(Netbox.Requests, r => r.Method == "POST");

        await source.ReleaseAsync(new Purelb.Ipam.External.ExternalOwner("web/frontend"), null, None);
        Assert.Empty(Netbox.Store.Addresses);
    }

    [Fact]
    public async Task A_dual_stack_allocation_that_fails_half_way_gives_back_the_first_address()
    {
        var source = Source();
        Netbox.Inject(FakeFault.Http(503, r => r.Method == "POST" && r.Path.Contains($"/prefixes/{V6PrefixId}/")));

        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => source.AllocateAsync(Dual("web/frontend"), None));
        Assert.Equal(ExternalIpamErrorKind.ServerError, error.Kind);
        Assert.Empty(Netbox.Store.Addresses);

        Assert.Equal("192.0.2.1,2001:db8::1", Ips(await source.AllocateAsync(Dual("web/frontend"), None)));
        Assert.Equal(2, Netbox.Store.Addresses.Count);
    }

    [Fact]
    public async Task A_failed_release_keeps_the_record_and_the_retry_removes_it()
    {
        var source = Source();
        await source.AllocateAsync(V4("web/frontend"), None);
        Netbox.Inject(FakeFault.Http(502, r => r.Method == "DELETE"));

        var error = await Assert.ThrowsAsync<ExternalIpamException>(() =>
            source.ReleaseAsync(new ExternalOwner("web/frontend"), null, None));
        Assert.Equal(ExternalIpamErrorKind.ServerError, error.Kind);
        Assert.Single(Netbox.Store.Addresses);

        await source.ReleaseAsync(new ExternalOwner("web/frontend"), null, None);
        Assert.Empty(Netbox.Store.Addresses);
    }

    [Fact]
    public async Task A_lost_delete_answer_is_harmless_on_retry()
    {
        var source = Source();
        await source.AllocateAsync(V4("web/frontend"), None);
        Netbox.Inject(new FakeFault(FakeFaultKind.LoseAnswer, Match: r => r.Method == "DELETE"));

        await Assert.ThrowsAsync<ExternalIpamException>(() => source.ReleaseAsync(new ExternalOwner("web/frontend"), null, None));
        Assert.Empty(Netbox.Store.Addresses);
        await source.ReleaseAsync(new ExternalOwner("web/frontend"), null, None);
        Assert.Empty(Netbox.Store.Addresses);
    }

    [Fact]
    public async Task A_failing_lookup_stops_before_anything_is_created()
    {
        var source = Source();
        Netbox.Inject(FakeFault.Http(500, r => r.Query.Contains("description=")));
        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => source.AllocateAsync(V4("web/frontend"), None));
        Assert.Equal(ExternalIpamErrorKind.ServerError, error.Kind);
        Assert.DoesNotContain(Netbox.Requests, r => r.Method == "POST");
        Assert.Empty(Netbox.Store.Addresses);
    }

    [Fact]
    public async Task Netbox_being_down_is_unavailable()
    {
        string url = Netbox.BaseUrl;
        await Netbox.DisposeAsync();
        Netbox = await FakeNetboxServer.StartAsync(); // for DisposeAsync; the old port is closed
        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => Source(PrefixSpec(url)).AllocateAsync(V4("web/a"), None));
        Assert.Equal(ExternalIpamErrorKind.Unavailable, error.Kind);
        Assert.True(error.IsTransient);
        Assert.Contains("cannot reach Netbox", error.Message);
    }

    [Fact]
    public async Task A_login_redirect_is_reported_and_not_followed()
    {
        var source = Source();
        Netbox.Inject(new FakeFault(FakeFaultKind.LoginRedirect));
        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => source.CheckAsync(None));
        Assert.Equal(ExternalIpamErrorKind.Redirected, error.Kind);
        Assert.Equal(302, error.HttpStatus);
        Assert.Single(Netbox.Requests); // the login page was not fetched
    }

    private static async Task WaitFor(Func<bool> condition)
    {
        for (int i = 0; i < 250 && !condition(); i++)
            await Task.Delay(20);
    }
}
