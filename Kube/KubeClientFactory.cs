using k8s;
using k8s.KubeConfigModels;

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
            config = FromFile(kubeconfigPath, context);
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

    private static KubernetesClientConfiguration FromFile(string path, string? context)
    {
        var file = KubernetesClientConfiguration.LoadKubeConfig(path);
        // kubectl accepts a user entry without credentials (anonymous access, as our test API server uses); the
        // client library rejects it. Drop such a user from the context so the connection is simply unauthenticated.
        var contextName = context ?? file.CurrentContext;
        var active = file.Contexts?.FirstOrDefault(c => c.Name == contextName)?.ContextDetails;
        if (active?.User is { } userName
            && file.Users?.FirstOrDefault(u => u.Name == userName) is { } user
            && HasNoCredentials(user.UserCredentials))
            active.User = null;
        return KubernetesClientConfiguration.BuildConfigFromConfigObject(file, context);
    }

    private static bool HasNoCredentials(UserCredentials? c) =>
        c is null
        || (c.ClientCertificateData is null && c.ClientCertificate is null && c.ClientKeyData is null && c.ClientKey is null
            && c.Token is null && c.UserName is null && c.Password is null && c.AuthProvider is null && c.ExternalExecution is null);
}
