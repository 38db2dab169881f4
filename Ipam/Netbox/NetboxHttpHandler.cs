using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Purelb.Ipam.Netbox;

/// <summary>
/// The HTTP stack for Netbox: redirects are never followed (Netbox answers a missing or bad token
/// on some paths with a 302 to its login page, which must surface as an auth error, not as HTML
/// parsed as data), and TLS trusts either the system roots or exactly the configured CA bundle.
/// </summary>
public static class NetboxHttpHandler
{
    public static SocketsHttpHandler Create(string? caBundlePem)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        if (caBundlePem is not null)
        {
            var roots = LoadBundle(caBundlePem);
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust };
            policy.CustomTrustStore.AddRange(roots);
            // Internal CAs rarely publish revocation lists reachable from a cluster.
            policy.RevocationMode = X509RevocationMode.NoCheck;
            handler.SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
        }
        return handler;
    }

    /// <summary>Every certificate of a PEM bundle; throws <see cref="ArgumentException"/> when there is none.</summary>
    public static X509Certificate2Collection LoadBundle(string pem)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new ArgumentException($"the Netbox CA bundle is not valid PEM: {e.Message}", nameof(pem), e);
        }
        if (collection.Count == 0)
            throw new ArgumentException("the Netbox CA bundle holds no certificate", nameof(pem));
        return collection;
    }
}
