using Purelb.Ipam.External;
using Purelb.Ipam.Netbox;
using Xunit;

namespace Purelb.Tests.Netbox;

public class NetboxAuthTests : NetboxTestBed
{
    [Fact]
    public async Task A_v1_token_is_sent_with_the_Token_scheme()
    {
        var source = Source(token: V1Token);
        Assert.Equal(NetboxTokenScheme.Token, source.Scheme);
        await source.AllocateAsync(V4("web/a"), None);
        Assert.All(Netbox.Requests, r => Assert.Equal($"Token {V1Token}", r.Header("Authorization")));
        Assert.All(Netbox.Requests, r => Assert.Equal("application/json", r.Header("Accept")));
    }

    [Fact]
    public async Task A_v2_token_is_sent_with_the_Bearer_scheme()
    {
        var source = Source(token: V2Token);
        Assert.Equal(NetboxTokenScheme.Bearer, source.Scheme);
        await source.AllocateAsync(V4("web/a"), None);
        Assert.All(Netbox.Requests, r => Assert.Equal($"Bearer {V2Token}", r.Header("Authorization")));
        Assert.Single(Netbox.Store.Addresses);
    }

    [Fact]
    public async Task An_unknown_token_names_the_secret_and_creates_nothing()
    {
        var source = Source(token: "1111111111111111111111111111111111111111");
        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => source.AllocateAsync(V4("web/a"), None));
        Assert.Equal(ExternalIpamErrorKind.Unauthorized, error.Kind);
        Assert.Equal(403, error.HttpStatus);
        Assert.Contains("Invalid v1 token", error.Message);
        Assert.Contains("Secret netbox-client key user-token", error.Message);
        Assert.DoesNotContain("1111111111", error.Message);
        Assert.Empty(Netbox.Store.Addresses);
    }

    [Fact]
    public async Task A_read_only_token_can_look_but_not_allocate()
    {
        var source = Source(token: ReadOnlyToken);
        Assert.Empty(await source.ListAsync(None));
        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => source.AllocateAsync(V4("web/a"), None));
        Assert.Equal(ExternalIpamErrorKind.Unauthorized, error.Kind);
        Assert.Contains("permission", error.Message);
        Assert.Empty(Netbox.Store.Addresses);
    }

    [Fact]
    public async Task A_forced_scheme_that_does_not_fit_the_token_is_refused()
    {
        var source = Source(PrefixSpec(Netbox.BaseUrl) with { TokenScheme = "Token" }, token: V2Token);
        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => source.CheckAsync(None));
        Assert.Equal(ExternalIpamErrorKind.Unauthorized, error.Kind);
        Assert.Contains("Invalid v1 token", error.Message);
        Assert.Contains("scheme Token", error.Message);
    }

    [Fact]
    public void An_empty_token_is_refused_before_any_request()
    {
        Assert.True(NetboxPoolConfig.TryCreate(PrefixSpec(Netbox.BaseUrl) with { TokenSecretRef = new SecretKeyRef { Name = "nb", Key = "tok" } },
            out var config, out _));
        var error = Assert.Throws<ExternalIpamException>(() => new NetboxAddressSource("p", config!, "  "));
        Assert.Equal(ExternalIpamErrorKind.Unauthorized, error.Kind);
        Assert.Contains("Secret nb key tok", error.Message);
        Assert.Empty(Netbox.Requests);
    }

    [Fact]
    public async Task A_missing_authorization_header_is_what_the_fake_refuses()
    {
        using var http = new HttpClient();
        var response = await http.GetAsync(Netbox.BaseUrl + "api/ipam/ip-addresses/");
        Assert.Equal(403, (int)response.StatusCode);
        Assert.Contains("Authentication credentials were not provided.", await response.Content.ReadAsStringAsync());
    }
}
