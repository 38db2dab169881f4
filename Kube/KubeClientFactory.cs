using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Authentication;
using k8s.Exceptions;
using k8s.KubeConfigModels;

namespace Purelb.Kube;

/// <summary>Builds the API client from a kubeconfig file or, inside a pod, the service-account mount.</summary>
public static class KubeClientFactory
{
    /// <param name="kubeconfigPath">A kubeconfig file; null or empty means in-cluster when running in a pod, else
    /// $KUBECONFIG or ~/.kube/config.</param>
    /// <param name="context">A kubeconfig context other than the current one.</param>
    /// <param name="userAgent">What the API server's audit log and our test server see as the caller, e.g.
    /// <c>purelb-agent/0.1.0</c>: it tells an operator which component made a call.</param>
    public static KubeApiClient Create(string? kubeconfigPath = null, string? context = null, string? userAgent = null)
    {
        KubernetesClientConfiguration config;
        if (!string.IsNullOrWhiteSpace(kubeconfigPath))
            config = FromFile(kubeconfigPath, context);
        else if (KubernetesClientConfiguration.IsInCluster())
            config = KubernetesClientConfiguration.InClusterConfig();
        else
            config = KubernetesClientConfiguration.BuildDefaultConfig();
        return Create(config, userAgent);
    }

    /// <summary>
    /// An API client for a resolved configuration. The HTTP stack (TLS trust, client certificate, credentials,
    /// keep-alive pings that notice a dead watch connection) is built here so that every setting is ours to see;
    /// the library's <c>Kubernetes</c> class is not used.
    /// </summary>
    public static KubeApiClient Create(KubernetesClientConfiguration config, string? userAgent = null)
    {
        var handler = new SocketsHttpHandler
        {
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(15),
        };
        if (!string.IsNullOrEmpty(config.TlsServerName))
            handler.SslOptions.TargetHost = config.TlsServerName;
        if (config.SkipTlsVerify)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (config.SslCaCerts is { Count: > 0 } ca)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None || (certificate is X509Certificate2 leaf && ChainsTo(leaf, ca, errors));
        }
        if (ClientCertificate(config) is { } clientCert)
            handler.SslOptions.ClientCertificates = [clientCert];

        // Deadlines are ours (per request, and per watch); a whole-request timeout would cut watches.
        var http = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrEmpty(userAgent))
            http.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent);
        var host = config.Host ?? throw new KubeConfigException("no API server address in the configuration");
        return new KubeApiClient(http, new Uri(host), Credentials(config), ownsHttpClient: true);
    }

    private static ServiceClientCredentials? Credentials(KubernetesClientConfiguration config)
    {
        if (config.TokenProvider is { } provider)
            return new TokenCredentials(provider);
        if (!string.IsNullOrEmpty(config.AccessToken))
            return new TokenCredentials(config.AccessToken);
        if (!string.IsNullOrEmpty(config.Username))
            return new BasicAuthenticationCredentials { UserName = config.Username, Password = config.Password };
        return null;
    }

    private static X509Certificate2? ClientCertificate(KubernetesClientConfiguration config)
    {
        var cert = Pem(config.ClientCertificateData, config.ClientCertificateFilePath);
        var key = Pem(config.ClientCertificateKeyData, config.ClientKeyFilePath);
        if (cert is null || key is null)
            return null;
        using var pem = X509Certificate2.CreateFromPem(cert, key);
        // SslStream on Linux wants a certificate whose key is not ephemeral.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>PEM text from kubeconfig "-data" (base64 of the PEM) or a file path.</summary>
    private static string? Pem(string? data, string? path)
    {
        if (!string.IsNullOrEmpty(data))
            return data.TrimStart().StartsWith("-----BEGIN", StringComparison.Ordinal) ? data : Encoding.UTF8.GetString(Convert.FromBase64String(data));
        return string.IsNullOrEmpty(path) ? null : File.ReadAllText(path);
    }

    private static bool ChainsTo(X509Certificate2 leaf, X509Certificate2Collection ca, SslPolicyErrors errors)
    {
        // Only a chain error can be forgiven by our own roots; a name mismatch or missing certificate cannot.
        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
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
