using System.Text.Json;
using k8s;
using k8s.Models;
using Purelb.Ipam;
using Purelb.Kube;
using Purelb.Kube.Crd;
using Purelb.Kube.Yaml;
using Xunit;

namespace Purelb.Tests.Crd;

public class ServiceGroupTranslatorTests
{
    private static ServiceGroup Group(string yaml) => YamlReader.ReadSingle(yaml)!.Deserialize(CrdJsonContext.Default.ServiceGroup)!;

    private static V1Service Service(string yaml) => YamlReader.ReadSingle(yaml)!.Deserialize(SourceGenerationContext.Default.V1Service)!;

    [Fact]
    public void Local_group_fields_are_copied_with_absent_flags_false()
    {
        var config = ServiceGroupTranslator.ToConfig(Group("""
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: l2, namespace: purelb-system}
            spec:
              namespaces: [a, b, a]
              namespaceDefault: true
              local:
                skipIPv6DAD: true
                v4pool: {subnet: 192.0.2.0/24, pool: 192.0.2.1/32, aggregation: default}
                v6pools: [{subnet: "2001:db8::/64", pool: "2001:db8::1-2001:db8::9", aggregation: /128}, {pool: "2001:db8::10/124"}]
            """));
        Assert.Equal("l2", config.Name);
        Assert.Equal("purelb-system", config.Namespace);
        Assert.Equal(["a", "b", "a"], config.Namespaces!);
        Assert.True(config.NamespaceDefault);
        Assert.False(config.EnforceNamespaces);
        Assert.Null(config.Remote);
        var local = config.Local!;
        Assert.True(local.SkipIPv6Dad);
        Assert.False(local.MultiPool);
        Assert.Equal(new AddressPoolConfig("192.0.2.1/32", "192.0.2.0/24", "default"), local.V4Pool);
        Assert.Equal(new AddressPoolConfig("2001:db8::1-2001:db8::9", "2001:db8::/64", "/128"), local.V6Pools![0]);
        Assert.Equal(new AddressPoolConfig("2001:db8::10/124", "", null), local.V6Pools[1]); // missing subnet left for the validator
    }

    [Fact]
    public void Remote_and_external_groups_are_copied()
    {
        var remote = ServiceGroupTranslator.ToConfig(Group("""
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: bgp}
            spec: {remote: {multiPool: true, v4pools: [{subnet: 203.0.113.0/24, pool: 203.0.113.0/28, aggregation: /32}]}}
            """));
        Assert.Equal("", remote.Namespace);
        Assert.True(remote.Remote!.MultiPool);
        Assert.Equal("/32", remote.Remote.V4Pools![0].Aggregation);
        var external = ServiceGroupTranslator.ToConfig(Group("""
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: ext, namespace: purelb-system}
            spec: {external: {provider: netbox, announce: remote}}
            """));
        Assert.Equal(new ServiceGroupExternalConfig("netbox", null, "remote"), external.External);
        var config = IpamConfig.Build([remote, external]);
        Assert.Empty(config.Problems);
        Assert.Equal(PoolKind.External, config.Find("ext")!.Kind);
    }

    [Fact]
    public void Service_becomes_an_allocation_request()
    {
        var request = ServiceGroupTranslator.ToAllocationRequest(Service("""
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              namespace: shop
              annotations:
                purelb.io/service-group: routed
                purelb.io/allow-shared-ip: vip
                purelb.io/addresses: 192.0.2.5,2001:db8::5
                purelb.io/multi-pool: "True"
            spec:
              type: LoadBalancer
              ipFamilyPolicy: PreferDualStack
              ipFamilies: [IPv6, IPv4]
              loadBalancerIP: 192.0.2.9
              ports: [{port: 53, protocol: UDP}, {port: 443}]
            """));
        Assert.Equal("shop/web", request.ServiceKey);
        Assert.Equal("shop", request.Namespace);
        Assert.Equal("routed", request.RequestedGroup);
        Assert.Equal("vip", request.SharingKey);
        Assert.Equal(["192.0.2.5", "2001:db8::5"], request.PinnedAddresses!); // the annotation wins over loadBalancerIP
        Assert.False(request.MultiPool); // only exactly "true" turns it on
        Assert.Equal(IpFamilyPolicy.PreferDualStack, request.IpFamilyPolicy);
        Assert.Equal([IpFamily.IPv6, IpFamily.IPv4], request.IpFamilies!);
        Assert.Equal([new ServicePort(PortProtocol.UDP, 53), new ServicePort(PortProtocol.TCP, 443)], request.Ports!);
    }

    [Fact]
    public void Absent_annotations_stay_absent()
    {
        var request = ServiceGroupTranslator.ToAllocationRequest(Service("""
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: shop}
            spec: {type: LoadBalancer, loadBalancerIP: 192.0.2.9}
            """));
        Assert.Null(request.RequestedGroup);
        Assert.Null(request.SharingKey);
        Assert.Null(request.MultiPool);
        Assert.Equal(["192.0.2.9"], request.PinnedAddresses!);
        Assert.Empty(request.IpFamilies!);
        Assert.Equal(IpFamilyPolicy.Unspecified, request.IpFamilyPolicy);
    }

    [Fact]
    public void Status_addresses_become_an_existing_allocation()
    {
        var service = Service("""
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: shop, annotations: {purelb.io/allow-shared-ip: k}}
            spec: {type: LoadBalancer, ports: [{port: 80}]}
            status: {loadBalancer: {ingress: [{ip: 192.0.2.1}, {hostname: lb.example.com}, {ip: "2001:db8::1"}]}}
            """);
        var existing = ServiceGroupTranslator.ToExistingAllocation(service)!;
        Assert.Equal(["192.0.2.1", "2001:db8::1"], existing.Addresses);
        Assert.Equal("k", existing.SharingKey);
        Assert.Null(ServiceGroupTranslator.ToExistingAllocation(Service("apiVersion: v1\nkind: Service\nmetadata: {name: a}\n")));
    }

    [Theory]
    [InlineData("LoadBalancer", null, true)]
    [InlineData("LoadBalancer", "purelb.io/purelbv2", true)]
    [InlineData("LoadBalancer", "metallb.io/metallb", false)]
    [InlineData("ClusterIP", null, false)]
    [InlineData("NodePort", "purelb.io/purelbv2", false)]
    public void Only_our_load_balancers_are_ours(string type, string? cls, bool ours)
    {
        var service = new V1Service { Spec = new V1ServiceSpec { Type = type, LoadBalancerClass = cls } };
        Assert.Equal(ours, ServiceGroupTranslator.IsOurs(service));
    }

    [Fact]
    public void Status_values_map_to_the_crd_status()
    {
        var status = ServiceGroupTranslator.ToStatus(new PoolStatusValues("Local", "Cluster", ["192.0.2.0/30"], 1, 0, 3, 0, ["a"]));
        var json = JsonSerializer.SerializeToNode(status, CrdJsonContext.Default.ServiceGroupStatus)!.ToJsonString();
        Assert.Equal("""{"announce":"Local","ipam":"Cluster","addresses":["192.0.2.0/30"],"allocatedIPv4":1,"allocatedIPv6":0,"availableIPv4":3,"availableIPv6":0,"boundNamespaces":["a"]}""", json);
    }
}
