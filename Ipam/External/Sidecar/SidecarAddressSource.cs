using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Purelb.Ipam.Protos.V1;

namespace Purelb.Ipam.External.Sidecar;

/// <summary>
/// A ServiceGroup with <c>spec.external</c>: addresses come from an IPAM sidecar speaking
/// <c>purelb.ipam.v1.IPAM</c> over a unix socket. Idempotence is the sidecar's job (it keys
/// allocations by pool and service); this class bounds every call, checks every answer and turns
/// gRPC failures into <see cref="ExternalIpamException"/>.
/// </summary>
public sealed class SidecarAddressSource : IExternalAddressSource
{
    /// <summary>Upper bound on addresses in one answer; more means a broken sidecar.</summary>
    public const int MaxAddressesPerAnswer = 16;

    private readonly IPAM.IPAMClient _client;
    private readonly TimeProvider _time;

    /// <param name="socketPath">Only for messages: where the channel connects.</param>
    public SidecarAddressSource(string poolName, string provider, string announce, GrpcChannel channel,
        TimeSpan? callTimeout = null, TimeProvider? time = null, string? socketPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(poolName);
        if (announce is not ("local" or "remote"))
            throw new ArgumentException($"announce must be local or remote, not \"{announce}\"", nameof(announce));
        PoolName = poolName;
        Provider = string.IsNullOrEmpty(provider) ? "sidecar" : provider;
        Announce = announce;
        CallTimeout = callTimeout ?? TimeSpan.FromSeconds(10);
        _client = new IPAM.IPAMClient(channel);
        _time = time ?? TimeProvider.System;
        _socketPath = socketPath;
    }

    private readonly string? _socketPath;

    public string PoolName { get; }

    /// <summary>Display name from <c>spec.external.provider</c>; used in messages only.</summary>
    public string Provider { get; }

    public string Announce { get; }

    public TimeSpan CallTimeout { get; set; }

    /// <summary>
    /// Told of every finished RPC: full method name (<c>/purelb.ipam.v1.IPAM/Allocate</c>), gRPC code name
    /// (<c>OK</c>, <c>Unavailable</c>, …) and duration. The allocator turns it into its sidecar metrics (allocator.md §6).
    /// </summary>
    public Action<string, string, TimeSpan>? CallObserved { get; init; }

    public async Task<IReadOnlyList<IPAddress>> AllocateAsync(ExternalAllocationRequest request, CancellationToken cancellationToken)
    {
        var rpc = new AllocateRequest
        {
            Pool = PoolName,
            Service = request.Owner.ServiceKey,
            SharingKey = request.Owner.SharingKey ?? "",
        };
        if (request.IsPinned)
        {
            rpc.Explicit = new ExplicitIPs();
            foreach (var ip in request.Pinned!)
                rpc.Explicit.Ips.Add(ip.ToString());
        }
        else
        {
            rpc.Families = new Protos.V1.FamilyRequest { WantIpv4 = request.Families.WantIPv4, WantIpv6 = request.Families.WantIPv6 };
        }

        AllocateResponse response = await Call("Allocate", request.Owner.ServiceKey,
            options => _client.AllocateAsync(rpc, options), cancellationToken).ConfigureAwait(false);
        return CheckAnswer(response);
    }

    public async Task ReleaseAsync(ExternalOwner owner, IPAddress? address, CancellationToken cancellationToken)
    {
        var rpc = new ReleaseRequest { Pool = PoolName, Service = owner.ServiceKey };
        if (address is null)
            rpc.All = true;
        else
            rpc.Ip = address.ToString();
        await Call("Release", owner.ServiceKey, options => _client.ReleaseAsync(rpc, options), cancellationToken).ConfigureAwait(false);
    }

    public async Task<ExternalPoolStats> StatsAsync(CancellationToken cancellationToken)
    {
        StatsResponse r = await Call("Stats", null, options => _client.StatsAsync(new StatsRequest { Pool = PoolName }, options),
            cancellationToken).ConfigureAwait(false);
        return new ExternalPoolStats(r.InUseV4, r.InUseV6,
            r.HasKnownCapacity ? r.SizeV4 : null,
            r.HasKnownCapacity ? r.SizeV6 : null,
            r.DisplayAddresses.ToArray());
    }

    private IReadOnlyList<IPAddress> CheckAnswer(AllocateResponse response)
    {
        if (response.Ips.Count == 0)
            throw new ExternalIpamException(ExternalIpamErrorKind.InvalidResponse,
                $"sidecar {Provider} returned no IPs and no error for pool {PoolName}");
        if (response.Ips.Count > MaxAddressesPerAnswer)
            throw new ExternalIpamException(ExternalIpamErrorKind.InvalidResponse,
                $"sidecar {Provider} returned {response.Ips.Count} IPs (max {MaxAddressesPerAnswer}) for pool {PoolName}");
        var result = new List<IPAddress>(response.Ips.Count);
        foreach (var allocated in response.Ips)
        {
            if (!IPAddress.TryParse(allocated.Ip, out var ip) || allocated.Ip.Contains('/'))
                throw new ExternalIpamException(ExternalIpamErrorKind.InvalidResponse,
                    $"sidecar {Provider} returned unparseable IP \"{allocated.Ip}\" for pool {PoolName}");
            if (ip.IsIPv4MappedToIPv6)
                ip = ip.MapToIPv4();
            if (!result.Contains(ip))
                result.Add(ip);
        }
        return result;
    }

    private async Task<T> Call<T>(string method, string? service, Func<CallOptions, AsyncUnaryCall<T>> invoke,
        CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow().UtcDateTime + CallTimeout;
        long started = _time.GetTimestamp();
        string code = nameof(StatusCode.Unknown);
        try
        {
            var answer = await invoke(new CallOptions(deadline: deadline, cancellationToken: cancellationToken)).ConfigureAwait(false);
            code = nameof(StatusCode.OK);
            return answer;
        }
        catch (RpcException e) when (!(e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested))
        {
            code = e.StatusCode.ToString();
            throw Translate(method, service, e);
        }
        catch (RpcException e)
        {
            code = e.StatusCode.ToString();
            throw;
        }
        finally
        {
            CallObserved?.Invoke("/purelb.ipam.v1.IPAM/" + method, code, _time.GetElapsedTime(started));
        }
    }

    private ExternalIpamException Translate(string method, string? service, RpcException e)
    {
        string what = service is null ? $"{method} for pool {PoolName}" : $"{method} of {service} in pool {PoolName}";
        string detail = string.IsNullOrEmpty(e.Status.Detail) ? e.StatusCode.ToString() : $"{e.StatusCode}: {e.Status.Detail}";
        var kind = e.StatusCode switch
        {
            StatusCode.ResourceExhausted => ExternalIpamErrorKind.PoolExhausted,
            StatusCode.AlreadyExists => ExternalIpamErrorKind.AddressInUse,
            StatusCode.InvalidArgument or StatusCode.OutOfRange => ExternalIpamErrorKind.InvalidRequest,
            StatusCode.FailedPrecondition => ExternalIpamErrorKind.NotConfigured,
            StatusCode.NotFound => ExternalIpamErrorKind.NotFound,
            StatusCode.Unauthenticated or StatusCode.PermissionDenied => ExternalIpamErrorKind.Unauthorized,
            StatusCode.DeadlineExceeded => ExternalIpamErrorKind.Timeout,
            StatusCode.Unavailable => ExternalIpamErrorKind.Unavailable,
            StatusCode.Aborted => ExternalIpamErrorKind.ConcurrentUpdate,
            _ => ExternalIpamErrorKind.ServerError,
        };
        string hint = kind switch
        {
            ExternalIpamErrorKind.Unavailable => _socketPath is null
                ? " (is the sidecar running and its socket shared with the allocator?)"
                : $" (is the sidecar running and listening on {_socketPath}, on a volume shared with the allocator?)",
            ExternalIpamErrorKind.Timeout => $" (no answer within {CallTimeout.TotalSeconds:0.#} s)",
            _ => "",
        };
        return new ExternalIpamException(kind, $"sidecar {Provider}: {what} failed: {detail}{hint}", inner: e);
    }
}
