using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Purelb.Ipam.External;
using Purelb.Ipam.Netbox;
using Purelb.Tests.Fakes.FakeNetbox;
using Xunit;

namespace Purelb.Tests.Netbox;

/// <summary>HTTPS with the system roots (which do not know our test CA) or with a configured CA bundle.</summary>
public sealed class NetboxTlsTests : IAsyncLifetime
{
    private X509Certificate2 _ca = null!, _otherCa = null!, _leaf = null!;
    private FakeNetboxServer _netbox = null!;

    public async Task InitializeAsync()
    {
        _ca = CreateCa("purelb test CA");
        _otherCa = CreateCa("someone else's CA");
        _leaf = CreateLeaf(_ca);
        _netbox = await FakeNetboxServer.StartAsync(_leaf);
        _netbox.Store.AddToken(FakeToken.V1(NetboxTestBed.V1Token));
        _netbox.Store.AddTenant("Kubernetes", "k8s");
        _netbox.Store.AddPrefix("192.0.2.0/29", "k8s");
    }

    public async Task DisposeAsync() => await _netbox.DisposeAsync();

    private NetboxAddressSource Source(string? caPem)
    {
        var spec = new NetboxSpec { Url = _netbox.BaseUrl, Tenant = "k8s", V4Prefix = "192.0.2.0/29", CaBundle = caPem };
        Assert.True(NetboxPoolConfig.TryCreate(spec, out var config, out var errors), string.Join("; ", errors));
        return new NetboxAddressSource("tls", config!, NetboxTestBed.V1Token);
    }

    [Fact]
    public async Task The_configured_ca_bundle_is_trusted()
    {
        Assert.StartsWith("https://127.0.0.1:", _netbox.BaseUrl);
        using var source = Source(_otherCa.ExportCertificatePem() + "\n" + _ca.ExportCertificatePem());
        var ips = await source.AllocateAsync(new ExternalAllocationRequest(new ExternalOwner("web/a"), FamilyRequest.IPv4), default);
        Assert.Equal(IPAddress.Parse("192.0.2.1"), Assert.Single(ips));
    }

    [Fact]
    public async Task Without_a_bundle_an_unknown_ca_is_a_tls_failure()
    {
        using var source = Source(null);
        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => source.CheckAsync(default));
        Assert.Equal(ExternalIpamErrorKind.TlsFailure, error.Kind);
        Assert.Contains("caBundle", error.Message);
        Assert.Empty(_netbox.Requests);
    }

    [Fact]
    public async Task A_bundle_with_the_wrong_ca_is_a_tls_failure()
    {
        using var source = Source(_otherCa.ExportCertificatePem());
        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => source.CheckAsync(default));
        Assert.Equal(ExternalIpamErrorKind.TlsFailure, error.Kind);
        Assert.Empty(_netbox.Requests);
    }

    [Fact]
    public void A_bundle_that_is_not_pem_is_a_configuration_error()
    {
        var spec = new NetboxSpec { Url = "https://nb", Tenant = "k8s", V4Prefix = "192.0.2.0/29", CaBundle = "not a certificate" };
        Assert.False(NetboxPoolConfig.TryCreate(spec, out _, out var errors));
        Assert.Contains(errors, e => e.StartsWith("netbox.caBundle", StringComparison.Ordinal));
    }

    internal static X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    internal static X509Certificate2 CreateLeaf(X509Certificate2 ca)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=netbox.test", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        // CreateSelfSigned left the CA's key attached, so the CA certificate can sign directly.
        using var cert = request.Create(ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), [1, 2, 3, 4]);
        // Kestrel wants a certificate whose key it can use; re-import through PKCS#12 to detach it from our ECDsa object.
        return X509CertificateLoader.LoadPkcs12(cert.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12), null);
    }
}
