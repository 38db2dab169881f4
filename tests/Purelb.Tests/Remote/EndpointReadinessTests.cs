using k8s.Models;
using Purelb.Kube.Agent;
using Xunit;

namespace Purelb.Tests.RemoteAnnounce;

public sealed class EndpointReadinessTests
{
    private static V1Endpoint Ep(string node, string address, bool? ready = true, bool? serving = null, bool? terminating = null) =>
        new()
        {
            NodeName = node,
            Addresses = [address],
            Conditions = new V1EndpointConditions { Ready = ready, Serving = serving, Terminating = terminating },
        };

    private static V1EndpointSlice Slice(string name, string service, string ns = "default", params V1Endpoint[] endpoints) =>
        new()
        {
            AddressType = "IPv4",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string> { [EndpointReadiness.ServiceNameLabel] = service },
            },
            Endpoints = endpoints,
        };

    private static V1Service Svc(string policy) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
        Spec = new V1ServiceSpec { Type = "LoadBalancer", ExternalTrafficPolicy = policy },
    };

    [Fact]
    public void Ready_endpoint_on_this_node_counts_and_others_nodes_do_not()
    {
        var slices = new[] { Slice("web-1", "web", "default", Ep("n1", "10.1.0.1"), Ep("n2", "10.1.0.2", ready: false)) };
        Assert.True(EndpointReadiness.HasHealthyLocalEndpoint(slices, "default", "web", "n1"));
        Assert.False(EndpointReadiness.HasHealthyLocalEndpoint(slices, "default", "web", "n2"));
        Assert.False(EndpointReadiness.HasHealthyLocalEndpoint(slices, "default", "web", "n3"));
    }

    [Fact]
    public void Slices_of_other_services_and_namespaces_are_ignored()
    {
        var slices = new[]
        {
            Slice("api-1", "api", "default", Ep("n1", "10.1.0.1")),
            Slice("web-1", "web", "other", Ep("n1", "10.1.0.2")),
            new V1EndpointSlice { Metadata = new V1ObjectMeta { Name = "orphan", NamespaceProperty = "default" }, Endpoints = [Ep("n1", "10.1.0.3")] },
        };
        Assert.False(EndpointReadiness.HasHealthyLocalEndpoint(slices, "default", "web", "n1"));
        Assert.Null(EndpointReadiness.ServiceKeyOf(slices[2]));
        Assert.Equal("other/web", EndpointReadiness.ServiceKeyOf(slices[1]));
    }

    [Theory]
    [InlineData(true, null, null, true)]
    [InlineData(false, true, true, false)]    // terminating but still serving: not ready, not announced
    [InlineData(false, null, null, false)]
    [InlineData(null, null, null, true)]      // unknown state: assume ready (EndpointConditions contract)
    [InlineData(null, true, false, true)]
    [InlineData(null, false, null, false)]
    [InlineData(null, true, true, false)]     // serving but terminating
    [InlineData(null, null, true, false)]
    public void Conditions_follow_the_endpoint_conditions_contract(bool? ready, bool? serving, bool? terminating, bool healthy) =>
        Assert.Equal(healthy, EndpointReadiness.IsHealthy(new V1EndpointConditions { Ready = ready, Serving = serving, Terminating = terminating }));

    [Fact]
    public void An_address_must_be_healthy_in_every_slice_it_appears_in()
    {
        var split = new[]
        {
            Slice("web-http", "web", "default", Ep("n1", "10.1.0.1")),
            Slice("web-https", "web", "default", Ep("n1", "10.1.0.1", ready: false)),
        };
        Assert.False(EndpointReadiness.HasHealthyLocalEndpoint(split, "default", "web", "n1"));

        var another = split.Append(Slice("web-extra", "web", "default", Ep("n1", "10.1.0.9"))).ToArray();
        Assert.True(EndpointReadiness.HasHealthyLocalEndpoint(another, "default", "web", "n1"));
    }

    [Fact]
    public void Cluster_policy_announces_everywhere_and_local_only_with_an_endpoint()
    {
        var slices = new[] { Slice("web-1", "web", "default", Ep("n1", "10.1.0.1")) };
        Assert.True(EndpointReadiness.ShouldAnnounce(Svc("Cluster"), slices, "n2"));
        Assert.True(EndpointReadiness.ShouldAnnounce(Svc("Cluster"), [], "n2"));
        Assert.True(EndpointReadiness.ShouldAnnounce(Svc("Local"), slices, "n1"));
        Assert.False(EndpointReadiness.ShouldAnnounce(Svc("Local"), slices, "n2"));
        Assert.False(EndpointReadiness.ShouldAnnounce(Svc("Local"), [], "n1"));
    }
}
