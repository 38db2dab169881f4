using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using Purelb.Kube.Crd;
using Purelb.Kube.Yaml;
using Xunit;

namespace Purelb.Tests.Crd;

/// <summary>Upstream-style objects and our samples survive read and write through the JSON contexts unchanged.</summary>
public class RoundTripTests
{
    // The ServiceGroup examples of the upstream v2 reference (allocator.md §2.6).
    private const string UpstreamExamples = """
        apiVersion: purelb.io/v2
        kind: ServiceGroup
        metadata: {name: default, namespace: purelb-system}
        spec:
          local:
            v4pool:
              subnet: 192.0.2.0/24
              pool: 192.0.2.200-192.0.2.219
              aggregation: default
        ---
        apiVersion: purelb.io/v2
        kind: ServiceGroup
        metadata: {name: l2-balanced, namespace: purelb-system}
        spec:
          local:
            balancePools: true
            skipIPv6DAD: false
            v4pools:
            - {subnet: 192.0.2.0/24,    pool: 192.0.2.64/28}
            - {subnet: 198.51.100.0/24, pool: 198.51.100.10-198.51.100.29}
            v6pools:
            - {subnet: 2001:db8:10::/64, pool: 2001:db8:10::100-2001:db8:10::1ff}
            - {subnet: 2001:db8:20::/64, pool: 2001:db8:20::100-2001:db8:20::1ff}
        ---
        apiVersion: purelb.io/v2
        kind: ServiceGroup
        metadata: {name: every-subnet, namespace: purelb-system}
        spec:
          local:
            multiPool: true
            v4pools:
            - {subnet: 192.0.2.0/24,    pool: 192.0.2.240-192.0.2.250}
            - {subnet: 198.51.100.0/24, pool: 198.51.100.240-198.51.100.250}
        ---
        apiVersion: purelb.io/v2
        kind: ServiceGroup
        metadata: {name: routed, namespace: purelb-system}
        spec:
          remote:
            v4pools:
            - {subnet: 203.0.113.0/24, pool: 203.0.113.0/26, aggregation: /32}
            v6pool:
              subnet: 2001:db8:ff::/112
              pool: 2001:db8:ff::1-2001:db8:ff::ff
              aggregation: /128
        ---
        apiVersion: purelb.io/v2
        kind: ServiceGroup
        metadata: {name: corp-ipam, namespace: purelb-system}
        spec:
          external:
            provider: netbox-sidecar      # display only
            socket: /var/run/purelb/ipam.sock
            announce: remote              # local | remote
        ---
        apiVersion: purelb.io/v2
        kind: ServiceGroup
        metadata: {name: tenant-a-l2, namespace: purelb-system}
        spec:
          namespaces: [tenant-a, tenant-a-staging]
          enforceNamespaces: true
          namespaceDefault: true
          local:
            v4pools: [{subnet: 192.0.2.0/24, pool: 192.0.2.100-192.0.2.119}]
        ---
        apiVersion: purelb.io/v2
        kind: ServiceGroup
        metadata: {name: tenant-a-bgp, namespace: purelb-system}
        spec:
          namespaces: [tenant-a, tenant-a-staging]
          remote:
            v4pools: [{subnet: 203.0.113.0/24, pool: 203.0.113.64/28, aggregation: /32}]
        ---
        apiVersion: purelb.io/v2
        kind: ServiceGroup
        metadata:
          name: with-status
          namespace: purelb-system
          uid: 3f1c2a9e-0000-4000-8000-000000000001
          resourceVersion: "4711"
          generation: 3
          creationTimestamp: "2026-01-02T03:04:05Z"
          labels: {team: net}
        spec:
          local:
            v4pool: {subnet: 192.0.2.0/24, pool: 192.0.2.200-192.0.2.219}
            v6pool: {subnet: 2001:db8:10::/64, pool: 2001:db8:10::/120}
        status:
          announce: Local
          ipam: Cluster
          addresses: ["192.0.2.200-192.0.2.219", "2001:db8:10::/120"]
          allocatedIPv4: 2
          allocatedIPv6: 2
          availableIPv4: 18
          availableIPv6: 254
          boundNamespaces: [tenant-a]
        """;

    private const string UpstreamNodeAgent = """
        apiVersion: purelb.io/v2
        kind: LBNodeAgent
        metadata: {name: default, namespace: purelb-system}
        spec:
          local:
            localInterface: default
            dummyInterface: kube-lb0
        ---
        apiVersion: purelb.io/v2
        kind: LBNodeAgent
        metadata: {name: full, namespace: purelb-system}
        spec:
          nodeSelector:
            matchLabels: {rack: r1}
            matchExpressions:
            - {key: zone, operator: In, values: [a, b]}
          local:
            localInterface: "^(eth|ens)[0-9]+$"
            dummyInterface: kube-lb0
            interfaces: [eth1, vlan100]
            garpConfig: {enabled: false, initialDelay: 250ms, count: 5, interval: 1s, verifyBeforeSend: false}
            addressConfig:
              localInterface: {validLifetime: 120, preferredLifetime: 60, noPrefixRoute: false}
              dummyInterface: {validLifetime: 0, preferredLifetime: 0, noPrefixRoute: true}
        status:
          activeLeases: 4
        """;

    public static TheoryData<string> ServiceGroupDocuments() => Indexes(UpstreamExamples);

    public static TheoryData<string> NodeAgentDocuments() => Indexes(UpstreamNodeAgent);

    private static TheoryData<string> Indexes(string text)
    {
        var data = new TheoryData<string>();
        foreach (var document in YamlReader.ReadDocuments(text))
        {
            data.Add((string)document.Root!["metadata"]!["name"]!);
        }
        return data;
    }

    private static JsonNode Find(string text, string name) =>
        YamlReader.ReadDocuments(text).Single(d => (string?)d.Root!["metadata"]!["name"] == name).Root!;

    [Theory]
    [MemberData(nameof(ServiceGroupDocuments))]
    public void Upstream_ServiceGroup_reads_and_writes_back_unchanged(string name)
    {
        var original = Find(UpstreamExamples, name);
        var group = original.Deserialize(CrdJsonContext.Default.ServiceGroup)!;
        var written = JsonSerializer.SerializeToNode(group, CrdJsonContext.Default.ServiceGroup);
        AssertSame(original, written);
    }

    [Theory]
    [MemberData(nameof(NodeAgentDocuments))]
    public void Upstream_LBNodeAgent_reads_and_writes_back_unchanged(string name)
    {
        var original = Find(UpstreamNodeAgent, name);
        var agent = original.Deserialize(CrdJsonContext.Default.LBNodeAgent)!;
        var written = JsonSerializer.SerializeToNode(agent, CrdJsonContext.Default.LBNodeAgent);
        AssertSame(original, written);
    }

    [Fact]
    public void Typed_fields_carry_the_values()
    {
        var group = Find(UpstreamExamples, "with-status").Deserialize(CrdJsonContext.Default.ServiceGroup)!;
        Assert.Equal("2001:db8:10::/120", group.Spec.Local!.V6Pool!.Pool);
        Assert.Equal(18, group.Status!.AvailableIPv4);
        Assert.Equal(2, group.Status.AllocatedIPv6);
        Assert.Equal(["tenant-a"], group.Status.BoundNamespaces!);
        var balanced = Find(UpstreamExamples, "l2-balanced").Deserialize(CrdJsonContext.Default.ServiceGroup)!;
        Assert.True(balanced.Spec.Local!.BalancePools);
        Assert.False(balanced.Spec.Local.SkipIPv6Dad);
        Assert.Null(balanced.Spec.Local.MultiPool);
        Assert.Equal("2001:db8:20::/64", balanced.Spec.Local.V6Pools![1].Subnet);
        var agent = Find(UpstreamNodeAgent, "full").Deserialize(CrdJsonContext.Default.LBNodeAgent)!;
        Assert.Equal(5, agent.Spec.Local!.GarpConfig!.Count);
        Assert.Equal("In", agent.Spec.NodeSelector!.MatchExpressions[0].OperatorProperty);
        Assert.Equal(120, agent.Spec.Local.AddressConfig!.LocalInterface!.ValidLifetime);
        Assert.Equal(4, agent.Status!.ActiveLeases);
    }

    [Fact]
    public void List_kinds_read_and_write_back_unchanged()
    {
        var list = new JsonObject
        {
            ["apiVersion"] = CrdNames.ApiVersion,
            ["kind"] = ServiceGroupList.KindName,
            ["metadata"] = new JsonObject { ["resourceVersion"] = "12" },
            ["items"] = new JsonArray(Find(UpstreamExamples, "routed").DeepClone(), Find(UpstreamExamples, "corp-ipam").DeepClone()),
        };
        var typed = list.Deserialize(CrdJsonContext.Default.ServiceGroupList)!;
        Assert.Equal(2, typed.Items.Count);
        AssertSame(list, JsonSerializer.SerializeToNode(typed, CrdJsonContext.Default.ServiceGroupList));
    }

    [Theory]
    [InlineData("servicegroups.yaml")]
    [InlineData("lbnodeagent.yaml")]
    [InlineData("services.yaml")]
    public void Samples_read_and_write_back_unchanged(string file)
    {
        var documents = CrdManifests.Documents("samples", file);
        Assert.NotEmpty(documents);
        foreach (var original in documents)
        {
            JsonNode? written = (string?)original["kind"] switch
            {
                ServiceGroup.KindName => JsonSerializer.SerializeToNode(original.Deserialize(CrdJsonContext.Default.ServiceGroup), CrdJsonContext.Default.ServiceGroup),
                LBNodeAgent.KindName => JsonSerializer.SerializeToNode(original.Deserialize(CrdJsonContext.Default.LBNodeAgent), CrdJsonContext.Default.LBNodeAgent),
                "Service" => JsonSerializer.SerializeToNode(original.Deserialize(SourceGenerationContext.Default.V1Service), SourceGenerationContext.Default.V1Service),
                var other => throw new InvalidOperationException($"unexpected kind {other} in {file}"),
            };
            AssertSame(original, written);
        }
    }

    [Fact]
    public void Samples_are_valid_manifests()
    {
        var set = ManifestReader.ReadFiles(
            new[] { "servicegroups.yaml", "services.yaml", "lbnodeagent.yaml" }.Select(f => CrdManifests.DeployPath("samples", f)));
        Assert.Empty(set.Problems);
        Assert.Empty(set.Ignored);
        Assert.True(set.ServiceGroups.Count >= 3);
        Assert.Contains(set.ServiceGroups, g => g.Value.Metadata.Name == "default");
        Assert.Contains(set.ServiceGroups, g => g.Value.Spec.Local is { V4Pools.Count: > 0, V6Pools.Count: > 0 });
        Assert.Contains(set.ServiceGroups, g => g.Value.Spec.Remote is { } r && (r.V4Pools ?? []).Any(p => p.Aggregation is "/32"));
        Assert.Contains(set.Services, s => s.Value.Spec.IpFamilies?.Count == 2);
        Assert.True(set.Services.Count(s => s.Value.Metadata.Annotations?.ContainsKey("purelb.io/allow-shared-ip") == true) >= 2);
        Assert.Equal(2, set.LBNodeAgents.Count);
    }

    // Both sides are re-parsed from text so numbers built from YAML and from the serializer compare alike.
    private static void AssertSame(JsonNode original, JsonNode? written) =>
        Assert.True(
            JsonNode.DeepEquals(JsonNode.Parse(original.ToJsonString()), written is null ? null : JsonNode.Parse(written.ToJsonString())),
            $"expected\n{original.ToJsonString()}\nwritten\n{written?.ToJsonString()}");
}
