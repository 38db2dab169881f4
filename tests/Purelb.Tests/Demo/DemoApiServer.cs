using System.Net;
using System.Runtime.InteropServices;
using KubeApiServer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Purelb.Tests.Harness;

namespace Purelb.Tests.Demo;

/// <summary>
/// The in-repo API server, served twice by one Kestrel: on loopback for the demo runner, the allocator and the user's
/// kubectl, and on the control-plane address inside the control-plane namespace for the agents in the node
/// namespaces. The second listener is a socket made inside that namespace and handed to Kestrel by descriptor.
/// </summary>
public sealed class DemoApiServer : IAsyncDisposable
{
    public const int ClusterPort = 6443;
    private readonly WebApplication _app;

    private DemoApiServer(WebApplication app, ApiServer server, string loopbackUrl)
    {
        _app = app;
        Server = server;
        LoopbackUrl = loopbackUrl;
    }

    public ApiServer Server { get; }
    public string LoopbackUrl { get; }
    public static string ClusterUrl => $"http://{ClusterNetwork.ControlPlaneV4}:{ClusterPort}";

    [DllImport("libc", SetLastError = true)]
    private static extern int dup(int fd);

    public static async Task<DemoApiServer> StartAsync(string controlPlaneNamespace, string crdDirectory)
    {
        var server = new ApiServer(new ApiServerOptions { CrdDirectory = crdDirectory, BookmarkInterval = TimeSpan.FromSeconds(1) });
        int fd;
        using (var inside = NamespaceSockets.Listen(controlPlaneNamespace,
                   new IPEndPoint(IPAddress.Parse(ClusterNetwork.ControlPlaneV4), ClusterPort)))
        {
            // Kestrel takes ownership of the descriptor it is given; ours is closed with the Socket object.
            fd = dup((int)inside.SafeHandle.DangerousGetHandle());
            if (fd < 0) throw new InvalidOperationException($"dup failed: errno {Marshal.GetLastPInvokeError()}");
        }
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, 0);
            k.ListenHandle((ulong)fd);
            k.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
        });
        var app = builder.Build();
        app.Run(new HttpApi(server).HandleAsync);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var loopback = addresses.First(a => a.StartsWith("http://127.0.0.1:", StringComparison.Ordinal));
        return new DemoApiServer(app, server, loopback);
    }

    public async ValueTask DisposeAsync()
    {
        Server.DropAllWatches();
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2))) await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
    }
}
