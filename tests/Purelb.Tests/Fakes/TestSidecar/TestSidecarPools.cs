using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Purelb.Tests.Fakes.FakeNetbox;

namespace Purelb.Tests.Fakes.TestSidecar;

/// <summary>
/// In-memory state of the reference sidecar (allocator.md §5.4): one independent IPv4 and IPv6
/// range per pool name, first free from network+1, idempotent per (pool, service), sharing keys
/// ignored. Methods throw <see cref="RpcException"/> with the contract's status codes.
/// </summary>
public sealed class TestSidecarPools(IPNetwork? v4, IPNetwork? v6)
{
    private const int ScanCap = 1 << 20;
    private readonly object _lock = new();
    private readonly Dictionary<string, Dictionary<IPAddress, string>> _holders = new(StringComparer.Ordinal);

    public IPNetwork? V4 { get; } = v4;
    public IPNetwork? V6 { get; } = v6;

    public IReadOnlyList<IPAddress> Allocate(string pool, string service, bool wantV4, bool wantV6)
    {
        if (!wantV4 && !wantV6)
            throw Fail(StatusCode.InvalidArgument, "no address family requested");
        lock (_lock)
        {
            var held = Held(pool);
            var result = new List<IPAddress>();
            foreach (var (want, range, family) in new[] { (wantV4, V4, 4), (wantV6, V6, 6) })
            {
                if (!want)
                    continue;
                if (range is not { } network)
                    throw Fail(StatusCode.FailedPrecondition, $"IPv{family} is not configured");
                var existing = held.FirstOrDefault(kv => kv.Value == service && network.Contains(kv.Key)).Key;
                result.Add(existing ?? Next(held, network, service));
            }
            return result;
        }
    }

    public IReadOnlyList<IPAddress> AllocateExplicit(string pool, string service, IEnumerable<string> ips)
    {
        lock (_lock)
        {
            var held = Held(pool);
            var wanted = new List<IPAddress>();
            foreach (string text in ips)
            {
                if (string.IsNullOrEmpty(text) || !IPAddress.TryParse(text, out var ip))
                    throw Fail(StatusCode.InvalidArgument, $"unparseable address \"{text}\"");
                if (ip.IsIPv4MappedToIPv6)
                    ip = ip.MapToIPv4();
                var range = ip.AddressFamily == AddressFamily.InterNetworkV6 ? V6 : V4;
                if (range is not { } network)
                    throw Fail(StatusCode.FailedPrecondition, $"the family of {ip} is not configured");
                if (!network.Contains(ip))
                    throw Fail(StatusCode.InvalidArgument, $"{ip} is outside {network}");
                if (held.TryGetValue(ip, out var holder) && holder != service)
                    throw Fail(StatusCode.AlreadyExists, $"{ip} is held by {holder}");
                wanted.Add(ip);
            }
            if (wanted.Count == 0)
                throw Fail(StatusCode.InvalidArgument, "no address given");
            foreach (var ip in wanted)
                held[ip] = service;
            return wanted;
        }
    }

    public void Release(string pool, string service, string? ip)
    {
        lock (_lock)
        {
            var held = Held(pool);
            if (ip is null)
            {
                foreach (var key in held.Where(kv => kv.Value == service).Select(kv => kv.Key).ToList())
                    held.Remove(key);
            }
            else if (IPAddress.TryParse(ip, out var address) && held.TryGetValue(address, out var holder) && holder == service)
            {
                held.Remove(address);
            }
        }
    }

    public (ulong InUseV4, ulong InUseV6) InUse(string pool)
    {
        lock (_lock)
        {
            var held = Held(pool);
            return ((ulong)held.Keys.Count(k => k.AddressFamily == AddressFamily.InterNetwork),
                    (ulong)held.Keys.Count(k => k.AddressFamily == AddressFamily.InterNetworkV6));
        }
    }

    public IReadOnlyDictionary<IPAddress, string> Holdings(string pool)
    {
        lock (_lock) return new Dictionary<IPAddress, string>(Held(pool));
    }

    /// <summary>Addresses in a range, saturating instead of overflowing.</summary>
    public static ulong Size(IPNetwork? network)
    {
        if (network is not { } n)
            return 0;
        int hostBits = (n.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32) - n.PrefixLength;
        return hostBits >= 64 ? ulong.MaxValue : 1UL << hostBits;
    }

    private Dictionary<IPAddress, string> Held(string pool)
    {
        if (!_holders.TryGetValue(pool, out var held))
            _holders[pool] = held = [];
        return held;
    }

    private static IPAddress Next(Dictionary<IPAddress, string> held, IPNetwork network, string service)
    {
        bool v6 = network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;
        UInt128 start = IpMath.ToInt(network.BaseAddress);
        int hostBits = (v6 ? 128 : 32) - network.PrefixLength;
        UInt128 count = hostBits >= 127 ? UInt128.MaxValue : UInt128.One << hostBits;
        for (UInt128 offset = 1; offset < count && offset <= ScanCap; offset++)
        {
            var ip = IpMath.FromInt(start + offset, v6);
            if (!held.ContainsKey(ip))
            {
                held[ip] = service;
                return ip;
            }
        }
        throw Fail(StatusCode.ResourceExhausted, $"{network} is full");
    }

    private static RpcException Fail(StatusCode code, string detail) => new(new Status(code, detail));
}
