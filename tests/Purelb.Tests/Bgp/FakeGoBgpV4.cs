using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Purelb.Bgp.Protos.V4;
using V4Path = Purelb.Bgp.Protos.V4.Path;
using Attribute = Purelb.Bgp.Protos.V4.Attribute;

namespace Purelb.Tests.Bgp;

/// <summary>
/// An in-process GoBGP v4 daemon built from our own protos (server side): a global RIB of local paths keyed by
/// prefix, the errors gobgpd gives (not started, missing family or next hop), and a record of every request.
/// </summary>
public sealed class FakeGoBgpV4 : GoBgpService.GoBgpServiceBase
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, V4Path> _rib = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<IMessage> _requests = new();

    /// <summary>0 = BGP not started (AddPath fails the way gobgpd's does).</summary>
    public uint Asn { get; set; } = 65000;

    /// <summary>When set, AddPath fails with InvalidArgument and this text (a daemon refusing a path).</summary>
    public string? RefuseAddPath { get; set; }

    /// <summary>Every request, in arrival order.</summary>
    public IReadOnlyList<IMessage> Requests => _requests.ToArray();

    public IReadOnlyList<T> RequestsOf<T>() where T : IMessage => _requests.OfType<T>().ToArray();

    /// <summary>The prefixes ("198.51.100.10/32") of the local paths in the RIB, sorted.</summary>
    public IReadOnlyList<string> Prefixes
    {
        get
        {
            lock (_lock) return _rib.Keys.Order(StringComparer.Ordinal).ToArray();
        }
    }

    public V4Path? PathOf(string prefix)
    {
        lock (_lock) return _rib.GetValueOrDefault(prefix);
    }

    /// <summary>Puts a path in the RIB behind the client's back (a leftover of an earlier agent, say).</summary>
    public void Inject(string prefix, V4Path path)
    {
        lock (_lock) _rib[prefix] = path;
    }

    public bool Forget(string prefix)
    {
        lock (_lock) return _rib.Remove(prefix);
    }

    public override Task<GetBgpResponse> GetBgp(GetBgpRequest request, ServerCallContext context)
    {
        _requests.Enqueue(request);
        return Task.FromResult(new GetBgpResponse { Global = new Global { Asn = Asn, RouterId = Asn == 0 ? "" : "192.0.2.11" } });
    }

    public override Task<AddPathResponse> AddPath(AddPathRequest request, ServerCallContext context)
    {
        _requests.Enqueue(request);
        if (Asn == 0) throw new RpcException(new Status(StatusCode.Unknown, "bgp server hasn't started yet"));
        if (RefuseAddPath is { } refusal) throw new RpcException(new Status(StatusCode.InvalidArgument, refusal));
        var path = request.Path ?? throw new RpcException(new Status(StatusCode.Unknown, "nil path"));
        if (path.Family is null) throw new RpcException(new Status(StatusCode.Unknown, "family cannot be nil"));
        if (!path.Pattrs.Any(a => a.AttrCase is Purelb.Bgp.Protos.V4.Attribute.AttrOneofCase.NextHop or Purelb.Bgp.Protos.V4.Attribute.AttrOneofCase.MpReach))
            throw new RpcException(new Status(StatusCode.Unknown, "nexthop not found"));
        var uuid = Guid.NewGuid().ToByteArray();
        var stored = path.Clone();
        stored.Uuid = ByteString.CopyFrom(uuid);
        lock (_lock) _rib[KeyOf(path)] = stored;
        return Task.FromResult(new AddPathResponse { Uuid = ByteString.CopyFrom(uuid) });
    }

    public override Task<DeletePathResponse> DeletePath(DeletePathRequest request, ServerCallContext context)
    {
        _requests.Enqueue(request);
        lock (_lock)
        {
            if (request.Path is null && request.Uuid.IsEmpty)
                _rib.Clear(); // what gobgpd does with an empty delete — the client must never send one
            else if (request.Path is { } p)
                _rib.Remove(KeyOf(p));
        }
        return Task.FromResult(new DeletePathResponse());
    }

    public override async Task ListPath(ListPathRequest request, IServerStreamWriter<ListPathResponse> responseStream, ServerCallContext context)
    {
        _requests.Enqueue(request);
        List<(string, V4Path)> paths;
        lock (_lock) paths = _rib.Where(kv => Equals(kv.Value.Family, request.Family)).Select(kv => (kv.Key, kv.Value.Clone())).ToList();
        foreach (var (prefix, path) in paths)
        {
            // gobgpd's local paths carry no uuid in ListPath and an empty neighbor_ip in v4.
            path.Uuid = ByteString.Empty;
            path.Best = true;
            var d = new Destination { Prefix = prefix };
            d.Paths.Add(path);
            await responseStream.WriteAsync(new ListPathResponse { Destination = d });
        }
    }

    public override async Task WatchEvent(WatchEventRequest request, IServerStreamWriter<WatchEventResponse> responseStream, ServerCallContext context)
    {
        _requests.Enqueue(request);
        await responseStream.WriteAsync(new WatchEventResponse
        {
            Peer = new WatchEventResponse.Types.PeerEvent { Type = WatchEventResponse.Types.PeerEvent.Types.Type.EndOfInit },
        });
        try
        {
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The client went away or the server is stopping.
        }
    }

    private static string KeyOf(V4Path path) => path.Nlri?.Prefix is { } p ? $"{p.Prefix}/{p.PrefixLen}" : "";
}

/// <summary>Hosts <see cref="FakeGoBgpV4"/> (and optionally nothing but a v3 GetBgp) on a unix socket or a
/// loopback TCP port, with Kestrel speaking cleartext HTTP/2 like gobgpd.</summary>
public sealed class FakeGobgpHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeGobgpHost(WebApplication app, string endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    /// <summary>What to give <see cref="Purelb.Bgp.BgpEndpoint.Parse"/>.</summary>
    public string Endpoint { get; }

    public static async Task<FakeGobgpHost> StartV4Async(FakeGoBgpV4 service, string? socketPath = null)
    {
        var builder = NewBuilder(socketPath, out var port);
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<FakeGoBgpV4>();
        return await StartAsync(app, socketPath, port);
    }

    public static async Task<FakeGobgpHost> StartV3Async(FakeGobgpV3 service, string? socketPath = null)
    {
        var builder = NewBuilder(socketPath, out var port);
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<FakeGobgpV3>();
        return await StartAsync(app, socketPath, port);
    }

    private static WebApplicationBuilder NewBuilder(string? socketPath, out int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        port = socketPath is null ? FreePort() : 0;
        var p = port;
        builder.WebHost.ConfigureKestrel(k =>
        {
            if (socketPath is not null) k.ListenUnixSocket(socketPath, o => o.Protocols = HttpProtocols.Http2);
            else k.ListenLocalhost(p, o => o.Protocols = HttpProtocols.Http2);
        });
        return builder;
    }

    private static async Task<FakeGobgpHost> StartAsync(WebApplication app, string? socketPath, int port)
    {
        await app.StartAsync();
        return new FakeGobgpHost(app, socketPath is not null ? "unix://" + socketPath : $"127.0.0.1:{port}");
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await _app.StopAsync(cts.Token);
        await _app.DisposeAsync();
    }
}

/// <summary>A v3-only daemon that answers GetBgp: enough to prove generation detection falls back to v3.</summary>
public sealed class FakeGobgpV3 : Purelb.Bgp.Protos.V3.GobgpApi.GobgpApiBase
{
    public override Task<Purelb.Bgp.Protos.V3.GetBgpResponse> GetBgp(Purelb.Bgp.Protos.V3.GetBgpRequest request, ServerCallContext context) =>
        Task.FromResult(new Purelb.Bgp.Protos.V3.GetBgpResponse { Global = new Purelb.Bgp.Protos.V3.Global { Asn = 64512, RouterId = "192.0.2.99" } });
}
