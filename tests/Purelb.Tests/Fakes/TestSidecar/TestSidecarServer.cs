using System.Collections.Concurrent;
using System.Net;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Purelb.Ipam.Protos.V1;

namespace Purelb.Tests.Fakes.TestSidecar;

/// <summary>Ways the test sidecar can break the contract, to exercise the client's answer checks.</summary>
public enum SidecarMisbehaviour
{
    None,
    NoAddresses,
    SeventeenAddresses,
    UnparseableAddress,
    Slow,
}

/// <summary>
/// A gRPC <c>purelb.ipam.v1.IPAM</c> sidecar on a unix socket (Kestrel, HTTP/2 cleartext) backed by
/// <see cref="TestSidecarPools"/>. Removes a stale socket before binding and makes it 0600, as the
/// contract asks of real sidecars. Records every request it receives.
/// </summary>
public sealed class TestSidecarServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestSidecarServer(WebApplication app, string socketPath, SidecarService service)
    {
        _app = app;
        SocketPath = socketPath;
        Service = service;
    }

    public string SocketPath { get; }
    public SidecarService Service { get; }
    public TestSidecarPools Pools => Service.Pools;
    public ConcurrentQueue<Google.Protobuf.IMessage> Received => Service.Received;

    public SidecarMisbehaviour Misbehaviour
    {
        get => Service.Misbehaviour;
        set => Service.Misbehaviour = value;
    }

    public static string NewSocketPath() => Path.Combine(Path.GetTempPath(), $"plb-ipam-{Guid.NewGuid():N}"[..22] + ".sock");

    public static async Task<TestSidecarServer> StartAsync(string socketPath, string? v4Cidr = "10.20.30.0/24", string? v6Cidr = null,
        TestSidecarPools? pools = null)
    {
        if (File.Exists(socketPath))
            File.Delete(socketPath);
        pools ??= new TestSidecarPools(v4Cidr is null ? null : IPNetwork.Parse(v4Cidr), v6Cidr is null ? null : IPNetwork.Parse(v6Cidr));
        var service = new SidecarService(pools);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(socketPath, o => o.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        var app = builder.Build();
        app.MapGrpcService<SidecarService>();
        await app.StartAsync().ConfigureAwait(false);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(socketPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return new TestSidecarServer(app, socketPath, service);
    }

    private int _disposed;

    /// <summary>Stops the server and removes its socket; safe to call again (tests stop a sidecar mid-test).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        if (File.Exists(SocketPath))
            File.Delete(SocketPath);
    }

    public sealed class SidecarService(TestSidecarPools pools) : IPAM.IPAMBase
    {
        public TestSidecarPools Pools { get; } = pools;
        public ConcurrentQueue<Google.Protobuf.IMessage> Received { get; } = new();
        public SidecarMisbehaviour Misbehaviour { get; set; }

        public override async Task<AllocateResponse> Allocate(AllocateRequest request, ServerCallContext context)
        {
            Received.Enqueue(request);
            var response = new AllocateResponse();
            switch (Misbehaviour)
            {
                case SidecarMisbehaviour.NoAddresses:
                    return response;
                case SidecarMisbehaviour.SeventeenAddresses:
                    for (int i = 1; i <= 17; i++)
                        response.Ips.Add(new AllocatedIP { Ip = $"10.99.0.{i}" });
                    return response;
                case SidecarMisbehaviour.UnparseableAddress:
                    response.Ips.Add(new AllocatedIP { Ip = "10.99.0.300" });
                    return response;
                case SidecarMisbehaviour.Slow:
                    await Task.Delay(TimeSpan.FromSeconds(3), context.CancellationToken).ConfigureAwait(false);
                    break;
            }
            var ips = request.SelectorCase switch
            {
                AllocateRequest.SelectorOneofCase.Explicit => Pools.AllocateExplicit(request.Pool, request.Service, request.Explicit.Ips),
                AllocateRequest.SelectorOneofCase.Families => Pools.Allocate(request.Pool, request.Service,
                    request.Families.WantIpv4, request.Families.WantIpv6),
                _ => throw new RpcException(new Status(StatusCode.InvalidArgument, "no selector")),
            };
            response.Ips.AddRange(ips.Select(ip => new AllocatedIP { Ip = ip.ToString() }));
            return response;
        }

        public override Task<ReleaseResponse> Release(ReleaseRequest request, ServerCallContext context)
        {
            Received.Enqueue(request);
            switch (request.TargetCase)
            {
                case ReleaseRequest.TargetOneofCase.Ip:
                    Pools.Release(request.Pool, request.Service, request.Ip);
                    break;
                case ReleaseRequest.TargetOneofCase.All when request.All:
                    Pools.Release(request.Pool, request.Service, null);
                    break;
                default:
                    throw new RpcException(new Status(StatusCode.InvalidArgument, "no release target"));
            }
            return Task.FromResult(new ReleaseResponse());
        }

        public override Task<StatsResponse> Stats(StatsRequest request, ServerCallContext context)
        {
            Received.Enqueue(request);
            var (inUse4, inUse6) = Pools.InUse(request.Pool);
            var response = new StatsResponse
            {
                InUseV4 = inUse4,
                InUseV6 = inUse6,
                SizeV4 = TestSidecarPools.Size(Pools.V4),
                SizeV6 = TestSidecarPools.Size(Pools.V6),
                HasKnownCapacity = true,
            };
            if (Pools.V4 is { } v4) response.DisplayAddresses.Add(v4.ToString());
            if (Pools.V6 is { } v6) response.DisplayAddresses.Add(v6.ToString());
            return Task.FromResult(response);
        }
    }
}
