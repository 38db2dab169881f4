using System.Text.Json;
using k8s.Models;
using Purelb.Kube;
using Purelb.Tests.Deploy;
using Xunit;

namespace Purelb.Tests.Kube;

/// <summary>The product's own JSON context for Kubernetes kinds: the wire forms the API server expects, and that
/// the client library's whole-API context stays out of the binary.</summary>
public class KubeModelJsonTests
{
    private static readonly KubeModelJsonContext Json = KubeModelJsonContext.Default;

    [Fact]
    public void Lease_times_are_written_as_rfc3339_micro_time_in_utc()
    {
        var lease = new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "purelb-node-a", NamespaceProperty = "purelb-system" },
            Spec = new V1LeaseSpec
            {
                HolderIdentity = "a",
                LeaseDurationSeconds = 2,
                RenewTime = new DateTime(2026, 11, 26, 15, 4, 5, DateTimeKind.Utc).AddTicks(1234567),
                AcquireTime = new DateTime(2026, 11, 26, 15, 4, 5, DateTimeKind.Utc),
            },
        };
        var text = JsonSerializer.Serialize(lease, Json.V1Lease);
        Assert.Contains("\"renewTime\":\"2026-11-26T15:04:05.123456Z\"", text);
        Assert.Contains("\"acquireTime\":\"2026-11-26T15:04:05.000000Z\"", text);
        Assert.Contains("\"leaseDurationSeconds\":2", text);
        Assert.Contains("\"namespace\":\"purelb-system\"", text);
        Assert.DoesNotContain("null", text);
    }

    [Theory]
    [InlineData("2026-11-26T15:04:05Z", 0)]
    [InlineData("2026-11-26T15:04:05.123456Z", 1234560)]
    [InlineData("2026-11-26T15:04:05.123456789Z", 1234567)]
    [InlineData("2026-11-26T16:04:05.5+01:00", 5000000)]
    public void Times_from_the_api_server_are_read_in_utc_with_any_precision(string wire, long fractionTicks)
    {
        var lease = JsonSerializer.Deserialize($$$"""{"spec":{"renewTime":"{{{wire}}}"}}""", Json.V1Lease)!;
        var expected = new DateTime(2026, 11, 26, 15, 4, 5, DateTimeKind.Utc).AddTicks(fractionTicks);
        Assert.Equal(expected, lease.Spec.RenewTime);
        Assert.Equal(DateTimeKind.Utc, lease.Spec.RenewTime!.Value.Kind);
    }

    [Fact]
    public void A_time_that_is_not_rfc3339_is_a_json_error_not_a_crash()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"spec":{"renewTime":"yesterday"}}""", Json.V1Lease));
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"spec":{"renewTime":42}}""", Json.V1Lease));
    }

    [Fact]
    public void Service_ports_keep_int_or_string_target_ports()
    {
        var svc = JsonSerializer.Deserialize("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"a","creationTimestamp":"2026-11-26T15:04:05Z"},
             "spec":{"type":"LoadBalancer","ports":[{"port":80,"targetPort":"http"},{"port":81,"targetPort":8081}]},
             "status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.1"}]}}}
            """, Json.V1Service)!;
        Assert.Equal("http", (string?)svc.Spec.Ports[0].TargetPort);
        Assert.Equal("8081", (string?)svc.Spec.Ports[1].TargetPort);
        var again = JsonSerializer.Serialize(svc, Json.V1Service);
        Assert.Contains("\"targetPort\":\"http\"", again);
        Assert.Contains("\"targetPort\":8081", again);
        Assert.Contains("\"creationTimestamp\":\"2026-11-26T15:04:05.000000Z\"", again);
    }

    /// <summary>Naming the library's context anywhere in the product roots every kind of the Kubernetes API in the
    /// native binary (measured: 29.1 MiB with it, 16 MiB without).</summary>
    [Fact]
    public void Product_code_never_names_the_client_librarys_whole_api_json_context()
    {
        var root = ManifestSet.RepoRoot;
        var offenders = new[] { "Modes", "Kube", "Ipam", "Election", "Netlink", "Bgp" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, d), "*.cs", SearchOption.AllDirectories))
            .Append(Path.Combine(root, "Program.cs"))
            .Where(f => File.ReadAllText(f).Contains("k8s.SourceGenerationContext", StringComparison.Ordinal)
                        || File.ReadLines(f).Any(l => l.Contains(" SourceGenerationContext.", StringComparison.Ordinal)
                                                      || l.Contains("(SourceGenerationContext.", StringComparison.Ordinal)))
            .Select(f => Path.GetRelativePath(root, f))
            .ToList();
        Assert.True(offenders.Count == 0, "use KubeModelJsonContext instead in: " + string.Join(", ", offenders));
    }
}
