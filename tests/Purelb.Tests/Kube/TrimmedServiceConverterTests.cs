using System.Text;
using System.Text.Json;
using k8s.Models;
using Purelb.Kube;
using Purelb.Tests.Allocator;
using Xunit;

namespace Purelb.Tests.Kube;

/// <summary>The informers read Services with <see cref="TrimmedServiceConverter"/>: whatever it skips, the trimmed
/// Service the caches keep must be exactly the one a full read would have produced.</summary>
public class TrimmedServiceConverterTests
{
    private static KubeModelJsonContext Full => KubeModelJsonContext.Default;
    private static readonly KubeResource<V1Service, V1ServiceList> Trimmed = KubeResources.TrimmedServices;

    private static string Cached(V1Service read) =>
        JsonSerializer.Serialize(new ServiceProjection().Slim(read), Full.V1Service);

    private static void AssertSameCachedService(string json)
    {
        var full = JsonSerializer.Deserialize(json, Full.V1Service)!;
        var trimmed = JsonSerializer.Deserialize(json, Trimmed.ItemType)!;
        Assert.Equal(Cached(full), Cached(trimmed));
    }

    [Fact]
    public void A_Service_with_every_field_set_caches_the_same_as_a_full_read()
    {
        var json = JsonSerializer.Serialize(ServiceProjectionTests.Full(), Full.V1Service);
        Assert.Contains("last-applied-configuration", json);
        Assert.Contains("managedFields", json);
        AssertSameCachedService(json);

        var trimmed = JsonSerializer.Deserialize(json, Trimmed.ItemType)!;
        Assert.Null(trimmed.Metadata.Labels);
        Assert.Null(trimmed.Metadata.ManagedFields);
        Assert.DoesNotContain(trimmed.Metadata.Annotations!.Keys, k => !k.StartsWith("purelb.io/", StringComparison.Ordinal));
        Assert.Equal(8, trimmed.Metadata.Annotations!.Count);
        Assert.Null(trimmed.Spec.Selector);
        Assert.Null(trimmed.Spec.ClusterIPs);
        Assert.Equal([80, 53], trimmed.Spec.Ports.Select(p => p.Port));
        Assert.All(trimmed.Spec.Ports, p => Assert.Null(p.Name));
    }

    [Fact]
    public void Headless_missing_and_null_parts_cache_the_same_as_a_full_read()
    {
        AssertSameCachedService(JsonSerializer.Serialize(ServiceProjectionTests.Full("None"), Full.V1Service));
        AssertSameCachedService(JsonSerializer.Serialize(ServiceProjectionTests.Full(null), Full.V1Service));
        AssertSameCachedService("""{"metadata":{"name":"a","namespace":"b","resourceVersion":"9"}}""");
        AssertSameCachedService("""{"metadata":{"name":"a","annotations":null,"labels":null},"spec":null,"status":null}""");
        AssertSameCachedService("""{"metadata":{"name":"a","annotations":{}},"spec":{"ports":null,"ipFamilies":null},"status":{"loadBalancer":{}}}""");
        AssertSameCachedService("""{"metadata":{"name":"a"},"status":{"loadBalancer":{"ingress":null}}}""");
    }

    [Fact]
    public void Times_fractions_escapes_and_unknown_fields_read_like_a_full_read()
    {
        const string json = """
            {"apiVersion":"v1","kind":"Service","futureField":{"deep":[1,{"x":[true,null]}],"s":"}"},
             "metadata":{"name":"w\u0065b","namespace":"shop","uid":"u-1","resourceVersion":"12","generation":4,
               "creationTimestamp":"2026-03-04T05:06:07.123456789Z",
               "annotations":{"purelb.io\/service-group":"prod","purelb\u002eio/addresses":"192.0.2.9",
                 "example.com/purelb.io/not-ours":"x","purelb.iox/near":"y","":"empty key"},
               "finalizers":["a"],"ownerReferences":[{"kind":"X","name":"y","uid":"z","apiVersion":"v1"}]},
             "spec":{"type":"LoadBalancer","ports":[{"port":8443,"protocol":"TCP","appProtocol":"https","targetPort":"web"}],
               "ipFamilies":["IPv6"],"ipFamilyPolicy":"SingleStack","allocateLoadBalancerNodePorts":false,
               "healthCheckNodePort":31000,"externalTrafficPolicy":"Cluster","loadBalancerSourceRanges":["0.0.0.0/0"]},
             "status":{"loadBalancer":{"ingress":[{"ip":"2001:db8::9","ipMode":"Proxy","ports":[{"port":8443,"protocol":"TCP","error":"x"}]}]},
               "conditions":[{"type":"A","status":"False","reason":"R","message":"m","lastTransitionTime":"2026-01-01T00:00:00Z","observedGeneration":2}]}}
            """;
        AssertSameCachedService(json);
        var trimmed = JsonSerializer.Deserialize(json, Trimmed.ItemType)!;
        Assert.Equal("web", trimmed.Metadata.Name);
        Assert.Equal(new DateTime(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc).AddTicks(1234567), trimmed.Metadata.CreationTimestamp);
        Assert.Equal(["purelb.io/addresses", "purelb.io/service-group"], trimmed.Metadata.Annotations!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("x", Assert.Single(Assert.Single(trimmed.Status.LoadBalancer.Ingress).Ports).Error);
    }

    [Fact]
    public void A_list_page_streams_its_items_through_the_converter_and_keeps_its_metadata()
    {
        // Larger than the serializer's read buffer, so the reader is not on its final block while items are read.
        var items = Enumerable.Range(0, 40).Select(i =>
        {
            var s = ServiceProjectionTests.Full();
            s.Metadata.Name = $"web-{i}";
            return s;
        }).ToList();
        var list = new V1ServiceList { ApiVersion = "v1", Kind = "ServiceList", Items = items,
            Metadata = new V1ListMeta { ResourceVersion = "777", ContinueProperty = "next-page" } };
        var json = JsonSerializer.Serialize(list, Full.V1ServiceList);
        Assert.True(json.Length > 64 * 1024);

        // Read as the list call does, from a network stream that hands over a few bytes at a time: the serializer must
        // buffer each item whole before the converter sees it.
        using var stream = new TrickleStream(Encoding.UTF8.GetBytes(json), 61);
        var read = JsonSerializer.DeserializeAsync(stream, Trimmed.ListType).AsTask().GetAwaiter().GetResult()!;

        Assert.Equal("777", Trimmed.ResourceVersionOf(read));
        Assert.Equal("next-page", Trimmed.ContinueOf(read));
        Assert.Equal(items.Select(s => s.Metadata.Name), Trimmed.ItemsOf(read).Select(s => s.Metadata.Name));
        Assert.All(Trimmed.ItemsOf(read), s => Assert.Null(s.Metadata.Labels));
        Assert.Equal(items.Select(Cached), Trimmed.ItemsOf(read).Select(Cached));
    }

    [Fact]
    public void A_watch_line_parses_into_a_trimmed_Service()
    {
        var svc = JsonSerializer.Serialize(ServiceProjectionTests.Full(), Full.V1Service);
        var line = Encoding.UTF8.GetBytes($$"""{"type":"MODIFIED","object":{{svc}}}""");
        var parsed = WatchLineParser.Parse(line, Trimmed.ItemType);
        Assert.Equal("MODIFIED", parsed.Type);
        Assert.Equal("4711", parsed.Object!.Metadata.ResourceVersion);
        Assert.Null(parsed.Object.Metadata.ManagedFields);

        var bookmark = WatchLineParser.Parse("""{"type":"BOOKMARK","object":{"kind":"Service","apiVersion":"v1","metadata":{"resourceVersion":"90"}}}"""u8, Trimmed.ItemType);
        Assert.Equal("90", bookmark.Object!.Metadata.ResourceVersion);
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"a","annotations":{"purelb.io/pool":7}}}""")]
    [InlineData("""{"spec":{"ports":"80"}}""")]
    [InlineData("""{"spec":{"ports":[{"port":"80"}]}}""")]
    [InlineData("""{"spec":{"ipFamilies":[null]}}""")]
    [InlineData("""{"metadata":{"generation":"x"}}""")]
    [InlineData("""[]""")]
    [InlineData("""{"spec":{"ports":[null]}}""")]
    [InlineData("""{"status":{"loadBalancer":{"ingress":[null]}}}""")]
    public void Malformed_Services_are_a_JSON_error(string json)
    {
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize(json, Trimmed.ItemType));
    }

    [Fact]
    public void The_reader_matches_our_annotations_by_the_same_prefix_as_everything_else()
    {
        Assert.Equal(Encoding.UTF8.GetBytes(Annotations.Prefix), Annotations.PrefixUtf8.ToArray());
    }

    [Fact]
    public void Trimmed_Services_are_never_written()
    {
        var trimmed = JsonSerializer.Deserialize("""{"metadata":{"name":"a"}}""", Trimmed.ItemType)!;
        Assert.Throws<NotSupportedException>(() => JsonSerializer.Serialize(trimmed, Trimmed.ItemType));
    }

    /// <summary>A read-only stream that returns at most <paramref name="chunk"/> bytes per read.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, chunk));
        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, chunk)]);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], ct);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            base.ReadAsync(buffer, offset, Math.Min(count, chunk), ct);
    }
}
