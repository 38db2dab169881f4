using System.Text.Json;
using Purelb.Ipam;
using Purelb.Ipam.Netbox;
using Purelb.Kube;
using Purelb.Kube.Crd;
using Purelb.Kube.Yaml;
using Xunit;

namespace Purelb.Tests.Crd;

/// <summary>ServiceGroup <c>spec.netbox</c> from YAML to an external-kind pool carrying a validated Netbox configuration.</summary>
public class NetboxGroupTranslatorTests
{
    private static ServiceGroup Group(string yaml) => YamlReader.ReadSingle(yaml)!.Deserialize(CrdJsonContext.Default.ServiceGroup)!;

    [Fact]
    public void Every_netbox_field_reaches_the_pool()
    {
        var group = Group("""
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: nb, namespace: purelb-system}
            spec:
              netbox:
                url: https://netbox.example.com/api
                tenant: k8s
                tokenSecretRef: {name: nb-secret, key: tok}
                tokenScheme: Bearer
                flow: prefix
                v4prefix: 192.0.2.0/24
                v4prefixId: 7
                v6prefixId: 9
                vrfId: 3
                family: DualStack
                announce: local
                aggregation: /32
                prefixLength: 32
                cluster: east-1
                dnsZone: lb.example.com.
                timeoutSeconds: 20
            """);
        var config = ServiceGroupTranslator.ToConfig(group);
        Assert.Null(config.External);
        var ipam = IpamConfig.Build([config]);
        Assert.Empty(ipam.Problems);
        var pool = ipam.Find("nb")!;
        Assert.Equal(PoolKind.External, pool.Kind);
        Assert.True(pool.IsNetbox);
        Assert.Null(pool.External);
        Assert.Equal("local", pool.PoolType);
        Assert.Equal("Netbox", pool.IpamSource);
        var nb = pool.Netbox!;
        Assert.Equal(new Uri("https://netbox.example.com/api/"), nb.ApiRoot);
        Assert.Equal(("k8s", "nb-secret", "tok"), (nb.TenantSlug, nb.TokenSecretName, nb.TokenSecretKey));
        Assert.Equal(NetboxTokenScheme.Bearer, nb.TokenScheme);
        Assert.Equal(7, nb.V4Prefix!.Id);
        Assert.Equal("192.0.2.0/24", nb.V4Prefix.Cidr.ToString());
        Assert.Equal(3, nb.V4Prefix.VrfId);
        Assert.Equal(9, nb.V6Prefix!.Id);
        Assert.True(nb.ServesIPv4 && nb.ServesIPv6);
        Assert.Equal(("/32", 32, "east-1", "lb.example.com"), (nb.Aggregation, nb.PrefixLength, nb.Cluster, nb.DnsZone));
        Assert.Equal(TimeSpan.FromSeconds(20), nb.Timeout);
    }

    [Fact]
    public void A_v016_style_group_gets_upstreams_defaults()
    {
        var ipam = IpamConfig.Build([ServiceGroupTranslator.ToConfig(Group("""
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: old}
            spec: {netbox: {url: "https://nb.example/", tenant: k8s, flow: reserved, aggregation: default}}
            """))]);
        Assert.Empty(ipam.Problems);
        var nb = ipam.Find("old")!.Netbox!;
        Assert.Equal(("netbox-client", "user-token", NetboxFlow.Reserved), (nb.TokenSecretName, nb.TokenSecretKey, nb.Flow));
        Assert.Equal("remote", ipam.Find("old")!.PoolType);
    }

    [Fact]
    public void Bad_netbox_specs_are_problems_of_the_group_and_other_groups_stay()
    {
        var bad = ServiceGroupTranslator.ToConfig(Group("""
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: broken}
            spec: {netbox: {url: "ftp://nb", tenant: "a b", v4prefix: "2001:db8::/64"}}
            """));
        var good = ServiceGroupTranslator.ToConfig(Group("""
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: fine}
            spec: {netbox: {url: "https://nb", tenant: k8s, v4prefixId: 4}}
            """));
        var ipam = IpamConfig.Build([bad, good]);
        Assert.Null(ipam.Find("broken"));
        Assert.NotNull(ipam.Find("fine"));
        var problems = ipam.Problems.Where(p => p.Group == "broken").Select(p => p.Message).ToList();
        Assert.Contains(problems, m => m.Contains("netbox.url", StringComparison.Ordinal));
        Assert.Contains(problems, m => m.Contains("netbox.tenant", StringComparison.Ordinal));
        Assert.Contains(problems, m => m.Contains("netbox.v4prefix", StringComparison.Ordinal));
        Assert.All(ipam.Problems.Where(p => p.Group == "broken"), p => Assert.Equal("spec.netbox", p.Field));
    }

    [Fact]
    public void Netbox_with_another_block_is_refused_in_both_file_rules_and_the_IPAM_core()
    {
        var group = Group("""
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: two}
            spec:
              netbox: {url: "https://nb", tenant: k8s, v4prefixId: 4}
              external: {provider: p, announce: remote}
            """);
        Assert.Contains("spec: exactly one of local, remote, external, or netbox must be specified", ServiceGroupRules.Check(group));
        var ipam = IpamConfig.Build([ServiceGroupTranslator.ToConfig(group)]);
        Assert.Equal(ConfigErrorKind.MultiplePoolTypes, Assert.Single(ipam.Problems).Kind);
    }

    [Fact]
    public void The_CRD_requires_exactly_one_block_including_netbox()
    {
        var spec = CrdManifests.Schema(CrdManifests.LoadCrd("purelb.io_servicegroups.yaml"))["properties"]!["spec"]!;
        var rules = spec["x-kubernetes-validations"]!.AsArray().Select(r => (string?)r!["rule"]).ToList();
        Assert.Contains(rules, r => r!.Contains("has(self.netbox)", StringComparison.Ordinal));
        var netbox = spec["properties"]!["netbox"]!;
        Assert.Equal(["url", "tenant"], netbox["required"]!.AsArray().Select(n => (string?)n));
        Assert.Equal(["prefix", "reserved"], netbox["properties"]!["flow"]!["enum"]!.AsArray().Select(n => (string?)n));
    }
}
