using k8s;

namespace Purelb.Kube;

/// <summary>Builds the API client from a kubeconfig file or, inside a pod, the service-account mount.</summary>
public static class KubeClientFactory
{
    /// <param name="kubeconfigPath">A kubeconfig file; null or empty means in-cluster when running in a pod, else
    /// $KUBECONFIG or ~/.kube/config.</param>
    /// <param name="context">A kubeconfig context other than the current one.</param>
    public static KubeApiClient Create(string? kubeconfigPath = null, string? context = null)
    {
        KubernetesClientConfiguration config;
        if (!string.IsNullOrWhiteSpace(kubeconfigPath))
            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath, context);
        else if (KubernetesClientConfiguration.IsInCluster())
            config = KubernetesClientConfiguration.InClusterConfig();
        else
            config = KubernetesClientConfiguration.BuildDefaultConfig();
        return Create(config);
    }

    public static KubeApiClient Create(KubernetesClientConfiguration config)
    {
        var kubernetes = new Kubernetes(config);
        // Deadlines are ours (per request, and per watch); the library's whole-request timeout would cut watches.
        kubernetes.HttpClient.Timeout = Timeout.InfiniteTimeSpan;
        return new KubeApiClient(kubernetes.HttpClient, kubernetes.BaseUri, kubernetes.Credentials, ownsHttpClient: false, owned: kubernetes);
    }
}
