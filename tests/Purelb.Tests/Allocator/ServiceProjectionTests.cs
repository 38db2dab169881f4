using System.Text.Json;
using k8s.Models;
using Purelb.Kube;
using Purelb.Kube.Allocation;
using Xunit;

namespace Purelb.Tests.Allocator;

/// <summary>The trimmed Service the allocator caches must answer every question the allocator asks exactly as the
/// full object does, and leave out the bulk.</summary>
public class ServiceProjectionTests
{
    internal static V1Service Full(string? clusterIp = "10.96.0.20") => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta
        {
            Name = "web",
            NamespaceProperty = "shop",
            Uid = "0c4b0c4e-1111-2222-3333-444455556666",
            ResourceVersion = "4711",
            Generation = 3,
            CreationTimestamp = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
            Labels = new Dictionary<string, string> { ["app"] = "web" },
            Annotations = new Dictionary<string, string>
            {
                [Annotations.ServiceGroup] = "prod",
                [Annotations.Addresses] = "192.0.2.7,2001:db8::7",
                [Annotations.AllowSharedIp] = "shared-1",
                [Annotations.MultiPool] = "true",
                [Annotations.AllocatedBy] = Annotations.AllocatedByValue,
                [Annotations.AllocatedFrom] = "prod",
                [Annotations.ReEvaluate] = "true",
                [Annotations.AnnouncingIpv4] = "node-a,eth0",
                ["kubectl.kubernetes.io/last-applied-configuration"] = new string('x', 2000),
            },
            ManagedFields = [new V1ManagedFieldsEntry { Manager = "kubectl", Operation = "Update" }],
        },
        Spec = new V1ServiceSpec
        {
            Type = "LoadBalancer",
            LoadBalancerClass = Annotations.LoadBalancerClass,
            LoadBalancerIP = "192.0.2.7",
            IpFamilies = ["IPv4", "IPv6"],
            IpFamilyPolicy = "RequireDualStack",
            ExternalTrafficPolicy = "Local",
            ClusterIP = clusterIp,
            ClusterIPs = clusterIp is null ? null : [clusterIp],
            Selector = new Dictionary<string, string> { ["app"] = "web" },
            Ports =
            [
                new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP", TargetPort = 8080, NodePort = 30080 },
                new V1ServicePort { Name = "dns", Port = 53, Protocol = "UDP" },
            ],
            SessionAffinity = "None",
        },
        Status = new V1ServiceStatus
        {
            LoadBalancer = new V1LoadBalancerStatus
            {
                Ingress = [new V1LoadBalancerIngress { Ip = "192.0.2.7", IpMode = "VIP" }, new V1LoadBalancerIngress { Ip = "2001:db8::7", IpMode = "VIP" }],
            },
            Conditions = [new V1Condition { Type = "Ready", Status = "True", Reason = "Ok", Message = "", LastTransitionTime = DateTime.UnixEpoch }],
        },
    };

    private static string J<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) => JsonSerializer.Serialize(value, type);

    [Fact]
    public void Every_field_the_allocator_reads_is_the_same_on_the_trimmed_Service()
    {
        var full = Full();
        var slim = new ServiceProjection().Slim(full);

        Assert.Equal(ServiceGroupTranslator.ServiceKey(full), ServiceGroupTranslator.ServiceKey(slim));
        var a = ServiceGroupTranslator.ToAllocationRequest(full);
        var b = ServiceGroupTranslator.ToAllocationRequest(slim);
        Assert.Equal(a.ServiceKey, b.ServiceKey);
        Assert.Equal(a.Namespace, b.Namespace);
        Assert.Equal(a.RequestedGroup, b.RequestedGroup);
        Assert.Equal(a.IpFamilies, b.IpFamilies);
        Assert.Equal(a.IpFamilyPolicy, b.IpFamilyPolicy);
        Assert.Equal(a.PinnedAddresses, b.PinnedAddresses);
        Assert.Equal(a.SharingKey, b.SharingKey);
        Assert.Equal(a.Ports, b.Ports);
        Assert.Equal(a.MultiPool, b.MultiPool);
        var ea = ServiceGroupTranslator.ToExistingAllocation(full)!;
        var eb = ServiceGroupTranslator.ToExistingAllocation(slim)!;
        Assert.Equal(ea.Addresses, eb.Addresses);
        Assert.Equal(ea.SharingKey, eb.SharingKey);
        Assert.Equal(ea.Ports, eb.Ports);
        Assert.Equal(ServiceGroupTranslator.IsOurs(full), ServiceGroupTranslator.IsOurs(slim));
        Assert.Equal(J(EventRecorder.ReferenceTo(full), k8s.SourceGenerationContext.Default.V1ObjectReference),
            J(EventRecorder.ReferenceTo(slim), k8s.SourceGenerationContext.Default.V1ObjectReference));
        Assert.Equal(full.Spec.Type, slim.Spec.Type);
        Assert.Equal(full.Spec.LoadBalancerClass, slim.Spec.LoadBalancerClass);
        // The agent reads these through the same projection.
        Assert.Equal(Purelb.Kube.Agent.LocalTrafficPolicy.For(full), Purelb.Kube.Agent.LocalTrafficPolicy.For(slim));
        Assert.Equal(full.Spec.ExternalTrafficPolicy, slim.Spec.ExternalTrafficPolicy);
        Assert.Equal(full.Metadata.Generation, slim.Metadata.Generation);
        Assert.Equal(full.Metadata.CreationTimestamp, slim.Metadata.CreationTimestamp);
        Assert.Equal(full.Metadata.ResourceVersion, slim.Metadata.ResourceVersion);
        Assert.True(IngressWriter.Shows(slim, ["192.0.2.7", "2001:db8::7"]));
        Assert.Equal(J(full.Status, k8s.SourceGenerationContext.Default.V1ServiceStatus), J(slim.Status, k8s.SourceGenerationContext.Default.V1ServiceStatus));
        foreach (var (key, value) in full.Metadata.Annotations.Where(a => a.Key.StartsWith(Annotations.Prefix, StringComparison.Ordinal)))
            Assert.Equal(value, slim.Metadata.Annotation(key));
    }

    [Fact]
    public void The_bulk_is_left_out_and_a_headless_Service_stays_headless()
    {
        var slim = new ServiceProjection().Slim(Full());
        Assert.Null(slim.Metadata.Labels);
        Assert.Null(slim.Metadata.ManagedFields);
        Assert.False(slim.Metadata.Annotations.ContainsKey("kubectl.kubernetes.io/last-applied-configuration"));
        Assert.Null(slim.Spec.Selector);
        Assert.Null(slim.Spec.ClusterIP); // only "None" matters to the allocator
        Assert.Null(slim.Spec.ClusterIPs);
        Assert.All(slim.Spec.Ports, p => Assert.Null(p.NodePort));
        Assert.True(J(slim, k8s.SourceGenerationContext.Default.V1Service).Length * 3 < J(Full(), k8s.SourceGenerationContext.Default.V1Service).Length);

        Assert.Equal("None", new ServiceProjection().Slim(Full("None")).Spec.ClusterIP);
    }

    [Fact]
    public void Repeated_values_share_one_string()
    {
        var projection = new ServiceProjection();
        var one = projection.Slim(Full());
        var two = projection.Slim(JsonSerializer.Deserialize(J(Full(), k8s.SourceGenerationContext.Default.V1Service), k8s.SourceGenerationContext.Default.V1Service)!);
        Assert.Same(one.Metadata.NamespaceProperty, two.Metadata.NamespaceProperty);
        Assert.Same(one.Spec.Type, two.Spec.Type);
        Assert.Same(one.Metadata.Annotations[Annotations.AllocatedFrom], two.Metadata.Annotations[Annotations.AllocatedFrom]);
        Assert.Same(one.Spec.Ports[0].Protocol, two.Spec.Ports[0].Protocol);
        // Whole lists that repeat are one instance too.
        Assert.Same(one.Spec.Ports, two.Spec.Ports);
        Assert.Same(one.Spec.IpFamilies, two.Spec.IpFamilies);
        Assert.Same(one.Spec, two.Spec);
        // Full() names its own addresses (purelb.io/addresses): such a set is never shared.
        Assert.NotSame(one.Metadata.Annotations, two.Metadata.Annotations);
        var announced = Full();
        announced.Metadata.Annotations.Remove(Annotations.Addresses);
        // An agent's announcing annotation names the Service's own address too: neither the set nor the value is kept
        // for sharing (two equal values from two reads stay two strings).
        var a1 = projection.Slim(announced);
        var a2 = projection.Slim(JsonSerializer.Deserialize(J(announced, k8s.SourceGenerationContext.Default.V1Service), k8s.SourceGenerationContext.Default.V1Service)!);
        Assert.NotSame(a1.Metadata.Annotations, a2.Metadata.Annotations);
        Assert.Equal(a1.Metadata.Annotation(Annotations.AnnouncingIpv4), a2.Metadata.Annotation(Annotations.AnnouncingIpv4));
        Assert.NotSame(a1.Metadata.Annotation(Annotations.AnnouncingIpv4), a2.Metadata.Annotation(Annotations.AnnouncingIpv4));
        Assert.Same(a1.Metadata.Annotation(Annotations.AllocatedFrom), a2.Metadata.Annotation(Annotations.AllocatedFrom));
        var plain = Full();
        plain.Metadata.Annotations.Remove(Annotations.Addresses);
        plain.Metadata.Annotations.Remove(Annotations.AnnouncingIpv4);
        var three = projection.Slim(plain);
        Assert.Same(three.Metadata.Annotations, projection.Slim(plain).Metadata.Annotations);
        plain.Metadata.Annotations[Annotations.AllocatedFrom] = "another-pool";
        var four = projection.Slim(plain);
        Assert.NotSame(three.Metadata.Annotations, four.Metadata.Annotations);
        Assert.Equal("another-pool", four.Metadata.Annotation(Annotations.AllocatedFrom));
        Assert.NotEqual("another-pool", three.Metadata.Annotation(Annotations.AllocatedFrom));
    }

    [Fact]
    public void Services_with_different_ports_or_families_do_not_share_them()
    {
        var projection = new ServiceProjection();
        var a = projection.Slim(Full());
        var other = Full();
        other.Spec.Ports = [new V1ServicePort { Port = 8443, Protocol = "TCP" }];
        other.Spec.IpFamilies = ["IPv6"];
        var b = projection.Slim(other);
        Assert.NotSame(a.Spec.Ports, b.Spec.Ports);
        Assert.Equal(8443, Assert.Single(b.Spec.Ports).Port);
        Assert.Equal(["IPv6"], b.Spec.IpFamilies);
        Assert.NotEqual(a.Spec.IpFamilies, b.Spec.IpFamilies);
        Assert.NotSame(a.Spec, b.Spec);

        // Any kept field that differs gives a spec of its own, with the rest still shared.
        foreach (var change in new Action<V1ServiceSpec>[]
        {
            s => s.LoadBalancerIP = "192.0.2.99",
            s => s.ExternalTrafficPolicy = "Cluster",
            s => s.IpFamilyPolicy = "SingleStack",
            s => s.Type = "ClusterIP",
            s => s.LoadBalancerClass = null,
            s => s.ClusterIP = "None",
            s => s.IpFamilies = null,
        })
        {
            var changed = Full();
            change(changed.Spec);
            var slim = projection.Slim(changed);
            Assert.NotSame(a.Spec, slim.Spec);
            Assert.Equal(J(new ServiceProjection().Slim(changed).Spec, k8s.SourceGenerationContext.Default.V1ServiceSpec),
                J(slim.Spec, k8s.SourceGenerationContext.Default.V1ServiceSpec));
            Assert.Same(slim.Spec, projection.Slim(changed).Spec);
        }
    }

    [Fact]
    public void Cached_annotations_read_like_a_dictionary_refuse_writes_and_serialize()
    {
        var slim = new ServiceProjection().Slim(Full());
        var annotations = slim.Metadata.Annotations;
        Assert.IsType<ReadOnlyStringMap>(annotations);
        Assert.True(annotations.IsReadOnly);
        Assert.Equal(Full().Metadata.Annotations.Count(a => a.Key.StartsWith(Annotations.Prefix, StringComparison.Ordinal)), annotations.Count);
        Assert.False(annotations.ContainsKey("missing"));
        Assert.Throws<KeyNotFoundException>(() => annotations["missing"]);
        Assert.Throws<NotSupportedException>(() => annotations["purelb.io/x"] = "y");
        Assert.Throws<NotSupportedException>(() => annotations.Remove(annotations.Keys.First()));
        var json = J(slim, k8s.SourceGenerationContext.Default.V1Service);
        var back = JsonSerializer.Deserialize(json, k8s.SourceGenerationContext.Default.V1Service)!;
        Assert.Equal(annotations.OrderBy(a => a.Key), back.Metadata.Annotations.OrderBy(a => a.Key));
    }
}
