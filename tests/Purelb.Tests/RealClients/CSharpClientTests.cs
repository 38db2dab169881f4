using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Purelb.Tests.KubeApiServer;
using Xunit;

namespace Purelb.Tests.RealClients;

/// <summary>KubernetesClient.Aot, the client the product uses, against the in-process server.</summary>
public class CSharpClientTests
{
    static V1Service Svc(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1ServiceSpec { Type = "LoadBalancer", Ports = [new V1ServicePort { Name = "http", Port = 80 }] },
    };

    [Fact]
    public async Task List_create_patch_status_and_conflicts_decode_in_the_typed_client()
    {
        await using var s = await TestServer.StartAsync();
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(s.Host.KubeconfigPath);
        using var client = new Kubernetes(config);

        var created = await client.CoreV1.CreateNamespacedServiceAsync(Svc("cs"), "default");
        Assert.StartsWith("10.96.", created.Spec.ClusterIP);
        Assert.NotNull(created.Metadata.CreationTimestamp);

        var list = await client.CoreV1.ListNamespacedServiceAsync("default");
        Assert.Equal(created.Metadata.ResourceVersion, list.Metadata.ResourceVersion);
        Assert.Equal("cs", Assert.Single(list.Items).Metadata.Name);

        created.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = "192.0.2.7" }] } };
        var withStatus = await client.CoreV1.ReplaceNamespacedServiceStatusAsync(created, "cs", "default");
        Assert.Equal("192.0.2.7", withStatus.Status.LoadBalancer.Ingress[0].Ip);

        var stale = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReplaceNamespacedServiceAsync(created, "cs", "default"));
        Assert.Equal(HttpStatusCode.Conflict, stale.Response.StatusCode);

        var patched = await client.CoreV1.PatchNamespacedServiceAsync(
            new V1Patch("{\"metadata\":{\"annotations\":{\"purelb.io/allocated-by\":\"PureLB\"}}}", V1Patch.PatchType.MergePatch), "cs", "default");
        Assert.Equal("PureLB", patched.Metadata.Annotations["purelb.io/allocated-by"]);

        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedServiceAsync("nope", "default"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);

        var lease = await client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "node-a" },
            Spec = new V1LeaseSpec { HolderIdentity = "node-a", LeaseDurationSeconds = 10, RenewTime = new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc) },
        }, "kube-node-lease");
        Assert.Equal(new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc), lease.Spec.RenewTime!.Value.ToUniversalTime());
    }
}
