using System.Text.Json;
using Purelb.Ipam.Netbox;
using Xunit;

namespace Purelb.Tests.Netbox;

public class NetboxConfigTests
{
    [Theory]
    [InlineData("https://netbox.example.com", "https://netbox.example.com/api/")]
    [InlineData("https://netbox.example.com/", "https://netbox.example.com/api/")]
    [InlineData("https://netbox.example.com/api", "https://netbox.example.com/api/")]
    [InlineData("https://netbox.example.com/api/", "https://netbox.example.com/api/")]
    [InlineData("http://10.0.0.5:8000/netbox/api", "http://10.0.0.5:8000/netbox/api/")]
    public void The_url_is_normalised_to_the_api_root(string url, string expected)
    {
        Assert.Equal(expected, NetboxPoolConfig.NormaliseUrl(url)!.ToString());
    }

    [Fact]
    public void An_upstream_v016_spec_is_accepted_with_its_defaults()
    {
        // What v0.16 users had: url, tenant, aggregation; the token came from Secret netbox-client/user-token.
        var spec = JsonSerializer.Deserialize("""{"url":"https://netbox.example.com/","tenant":"k8s","aggregation":"/32","flow":"reserved"}""",
            NetboxSpecJsonContext.Default.NetboxSpec)!;
        Assert.True(NetboxPoolConfig.TryCreate(spec, out var config, out var errors), string.Join("; ", errors));
        Assert.Equal("netbox-client", config!.TokenSecretName);
        Assert.Equal("user-token", config.TokenSecretKey);
        Assert.Equal("remote", config.Announce);
        Assert.Equal("/32", config.Aggregation);
        Assert.Equal(NetboxFlow.Reserved, config.Flow);
        Assert.True(config.ServesIPv4 && config.ServesIPv6);
    }

    [Fact]
    public void A_full_prefix_spec_parses()
    {
        var spec = JsonSerializer.Deserialize("""
            {"url":"https://nb","tenant":"k8s","tokenSecretRef":{"name":"nb","key":"token"},"tokenScheme":"Bearer",
             "v4prefix":"192.0.2.0/24","v6prefixId":7,"announce":"local","cluster":"east","dnsZone":"lb.example.",
             "timeoutSeconds":5,"prefixLength":32}
            """, NetboxSpecJsonContext.Default.NetboxSpec)!;
        Assert.True(NetboxPoolConfig.TryCreate(spec, out var config, out var errors), string.Join("; ", errors));
        Assert.Equal(NetboxFlow.Prefix, config!.Flow);
        Assert.Equal(NetboxTokenScheme.Bearer, config.TokenScheme);
        Assert.Equal("192.0.2.0/24", config.V4Prefix!.Cidr.ToString());
        Assert.Equal(7, config.V6Prefix!.Id);
        Assert.Equal("local", config.Announce);
        Assert.Equal("lb.example", config.DnsZone);
        Assert.Equal(TimeSpan.FromSeconds(5), config.Timeout);
        Assert.True(config.ServesIPv4 && config.ServesIPv6);
    }

    [Theory]
    [InlineData("""{"tenant":"k8s","v4prefix":"192.0.2.0/24"}""", "url is required")]
    [InlineData("""{"url":"ftp://x","tenant":"k8s","v4prefix":"192.0.2.0/24"}""", "not an absolute http(s) URL")]
    [InlineData("""{"url":"https://x","v4prefix":"192.0.2.0/24"}""", "tenant")]
    [InlineData("""{"url":"https://x","tenant":"has space","v4prefix":"192.0.2.0/24"}""", "slug")]
    [InlineData("""{"url":"https://x","tenant":"k8s"}""", "needs v4prefix")]
    [InlineData("""{"url":"https://x","tenant":"k8s","flow":"magic","v4prefix":"192.0.2.0/24"}""", "flow")]
    [InlineData("""{"url":"https://x","tenant":"k8s","v4prefix":"2001:db8::/64"}""", "not an IPv4 prefix")]
    [InlineData("""{"url":"https://x","tenant":"k8s","v4prefix":"192.0.2.1"}""", "not a CIDR")]
    [InlineData("""{"url":"https://x","tenant":"k8s","v4prefix":"192.0.2.0/24","family":"IPv6"}""", "no v6prefix")]
    [InlineData("""{"url":"https://x","tenant":"k8s","v4prefix":"192.0.2.0/24","announce":"bgp"}""", "announce")]
    [InlineData("""{"url":"https://x","tenant":"k8s","v4prefix":"192.0.2.0/24","aggregation":"24"}""", "aggregation")]
    [InlineData("""{"url":"https://x","tenant":"k8s","v4prefix":"192.0.2.0/24","tokenScheme":"Basic"}""", "tokenScheme")]
    [InlineData("""{"url":"https://x","tenant":"k8s","v4prefix":"192.0.2.0/24","cluster":"a b"}""", "cluster")]
    [InlineData("""{"url":"https://x","tenant":"k8s","v4prefixId":0}""", "positive")]
    [InlineData("""{"url":"https://x","tenant":"k8s","v4prefix":"192.0.2.0/24","tokenSecretRef":{"name":"","key":"k"}}""", "tokenSecretRef")]
    [InlineData("""{"url":"https://x","tenant":"k8s","v4prefix":"192.0.2.0/24","caSecretRef":{"name":"ca"}}""", "caSecretRef needs")]
    public void Bad_specs_are_refused_with_a_message_naming_the_field(string json, string expected)
    {
        var spec = JsonSerializer.Deserialize(json, NetboxSpecJsonContext.Default.NetboxSpec)!;
        Assert.False(NetboxPoolConfig.TryCreate(spec, out var config, out var errors));
        Assert.Null(config);
        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }
}
