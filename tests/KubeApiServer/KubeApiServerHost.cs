using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KubeApiServer;

/// <summary>
/// Runs an <see cref="ApiServer"/> over plain HTTP on Kestrel, in-process for tests or from Program for the
/// standalone server. <c>await using var host = await KubeApiServerHost.StartAsync();</c> then use
/// <see cref="BaseUrl"/> and <see cref="KubeconfigPath"/>.
/// </summary>
public sealed class KubeApiServerHost : IAsyncDisposable
{
    readonly WebApplication _app;
    readonly bool _ownsKubeconfig;
    public ApiServer Server { get; }
    public string BaseUrl { get; }
    public string KubeconfigPath { get; }

    KubeApiServerHost(WebApplication app, ApiServer server, string baseUrl, string kubeconfigPath, bool ownsKubeconfig)
    {
        _app = app;
        Server = server;
        BaseUrl = baseUrl;
        KubeconfigPath = kubeconfigPath;
        _ownsKubeconfig = ownsKubeconfig;
    }

    /// <summary>
    /// Listens on <paramref name="listen"/> ("ADDR:PORT", port 0 picks a free one) and writes a kubeconfig
    /// (to <paramref name="kubeconfigPath"/>, else a temporary file removed on dispose).
    /// </summary>
    public static async Task<KubeApiServerHost> StartAsync(string listen = "127.0.0.1:0", ApiServerOptions? options = null,
        string? kubeconfigPath = null, CancellationToken cancel = default)
    {
        var endpoint = ParseListen(listen);
        var server = new ApiServer(options);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Listen(endpoint);
            k.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
        });
        var app = builder.Build();
        var api = new HttpApi(server);
        app.Run(api.HandleAsync);
        await app.StartAsync(cancel);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var port = new Uri(address).Port;
        var host = endpoint.Address.Equals(IPAddress.Any) ? "127.0.0.1"
                 : endpoint.Address.Equals(IPAddress.IPv6Any) ? "[::1]"
                 : endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]"
                 : endpoint.Address.ToString();
        var baseUrl = $"http://{host}:{port}";
        var owns = kubeconfigPath == null;
        kubeconfigPath ??= Path.Combine(Path.GetTempPath(), $"kubeapiserver-{Guid.NewGuid():N}.kubeconfig");
        Kubeconfig.Write(kubeconfigPath, baseUrl);
        return new KubeApiServerHost(app, server, baseUrl, kubeconfigPath, owns);
    }

    static IPEndPoint ParseListen(string listen)
    {
        if (IPEndPoint.TryParse(listen, out var ep)) return ep;
        var colon = listen.LastIndexOf(':');
        if (colon > 0 && listen[..colon] == "localhost" && int.TryParse(listen[(colon + 1)..], out var p))
            return new IPEndPoint(IPAddress.Loopback, p);
        throw new ArgumentException($"--listen wants ADDR:PORT, got \"{listen}\"");
    }

    public Task WaitForShutdownAsync(CancellationToken cancel) => _app.WaitForShutdownAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        Server.DropAllWatches();
        using (var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(2))) await _app.StopAsync(stopTimeout.Token);
        await _app.DisposeAsync();
        if (_ownsKubeconfig) try { File.Delete(KubeconfigPath); } catch (IOException) { }
    }
}

/// <summary>A kubeconfig pointing at the server over plain HTTP, with a placeholder token the server ignores.</summary>
public static class Kubeconfig
{
    public static void Write(string path, string baseUrl)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        // Written whole then renamed, so a process polling for the file never reads half of it.
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, $$"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: purelb-test
              cluster:
                server: {{baseUrl}}
            users:
            - name: purelb-test
              user:
                # The server checks no credentials; some clients (KubernetesClient) refuse a user without any.
                token: kubeapiserver-test
            contexts:
            - name: purelb-test
              context:
                cluster: purelb-test
                user: purelb-test
                namespace: default
            current-context: purelb-test
            preferences: {}

            """);
        File.Move(tmp, path, overwrite: true);
    }
}
