using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Purelb.Tests.Deploy;

/// <summary>
/// Terminates TLS on a loopback port with a throw-away CA and forwards the plain bytes to an HTTP server, so a client
/// can be made to speak TLS to the in-repo API server (which serves plain HTTP).
/// </summary>
public sealed class TlsTestProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _serverCert;
    private readonly IPEndPoint _upstream;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public TlsTestProxy(IPEndPoint upstream)
    {
        _upstream = upstream;
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=purelb test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var now = DateTimeOffset.UtcNow;
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-10), now.AddHours(2));
        CaPem = ca.ExportCertificatePem();

        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var leaf = request.Create(ca, now.AddMinutes(-5), now.AddHours(1), [1, 2, 3, 4]);
        using var withKey = leaf.CopyWithPrivateKey(key);
        // SslStream on Linux wants a key that is not ephemeral.
        _serverCert = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);

        _listener.Start();
        _accepting = AcceptAsync();
    }

    /// <summary>The CA that signed the proxy's certificate, as PEM.</summary>
    public string CaPem { get; }

    public string Url => $"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>TLS handshakes completed: proof the client really spoke TLS here.</summary>
    public int Handshakes;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (SocketException) { return; }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        using (var upstream = new TcpClient())
        {
            try
            {
                await using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _serverCert }, _stop.Token);
                Interlocked.Increment(ref Handshakes);
                await upstream.ConnectAsync(_upstream, _stop.Token);
                var plain = upstream.GetStream();
                var up = tls.CopyToAsync(plain, _stop.Token);
                var down = plain.CopyToAsync(tls, _stop.Token);
                await Task.WhenAny(up, down);
            }
            catch (Exception e) when (e is IOException or AuthenticationException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away or refused our certificate; the test sees that from the client side.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        _serverCert.Dispose();
        _stop.Dispose();
    }
}
