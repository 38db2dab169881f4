using System.Net;
using Purelb.Ipam.External;
using Purelb.Ipam.External.Sidecar;
using Purelb.Ipam.Protos.V1;
using Purelb.Tests.Fakes.TestSidecar;
using Xunit;
using FamilyRequest = Purelb.Ipam.External.FamilyRequest;

namespace Purelb.Tests.ExternalIpam;

/// <summary>The purelb.ipam.v1 client against a sidecar on a real unix socket.</summary>
public sealed class SidecarAddressSourceTests : IAsyncLifetime
{
    private readonly string _socket = TestSidecarServer.NewSocketPath();
    private readonly SidecarChannels _channels = new();
    private TestSidecarServer _sidecar = null!;

    public async Task InitializeAsync() =>
        _sidecar = await TestSidecarServer.StartAsync(_socket, "10.20.30.0/29", "fd00:20::/125");

    public async Task DisposeAsync()
    {
        _channels.Dispose();
        await _sidecar.DisposeAsync();
    }

    private SidecarAddressSource Source(string pool = "ext-pool", TimeSpan? timeout = null) =>
        new(pool, "test-ipam", "remote", _channels.Get(_socket), timeout, socketPath: _socket);

    private static ExternalAllocationRequest Request(string service, FamilyRequest families, string? sharingKey = null) =>
        new(new ExternalOwner(service, sharingKey), families);

    private static string Ips(IEnumerable<IPAddress> ips) => string.Join(",", ips);

    [Fact]
    public async Task Allocation_by_family_is_idempotent_per_service()
    {
        var source = Source();
        Assert.Equal("10.20.30.1", Ips(await source.AllocateAsync(Request("web/a", FamilyRequest.IPv4), default)));
        Assert.Equal("10.20.30.1", Ips(await source.AllocateAsync(Request("web/a", FamilyRequest.IPv4), default)));
        Assert.Equal("10.20.30.2,fd00:20::1", Ips(await source.AllocateAsync(Request("web/b", FamilyRequest.DualStack), default)));
        Assert.Equal(3, _sidecar.Pools.Holdings("ext-pool").Count);
    }

    [Fact]
    public async Task The_request_carries_pool_service_sharing_key_and_wanted_families()
    {
        await Source().AllocateAsync(Request("web/a", FamilyRequest.IPv6, "vip-7"), default);
        var request = Assert.IsType<AllocateRequest>(Assert.Single(_sidecar.Received));
        Assert.Equal("ext-pool", request.Pool);
        Assert.Equal("web/a", request.Service);
        Assert.Equal("vip-7", request.SharingKey);
        Assert.Equal(AllocateRequest.SelectorOneofCase.Families, request.SelectorCase);
        Assert.False(request.Families.WantIpv4);
        Assert.True(request.Families.WantIpv6);
    }

    [Fact]
    public async Task Pinned_addresses_are_sent_as_explicit_and_conflicts_are_typed()
    {
        var source = Source();
        var pinned = new ExternalAllocationRequest(new ExternalOwner("web/a"), default, [IPAddress.Parse("10.20.30.5")]);
        Assert.Equal("10.20.30.5", Ips(await source.AllocateAsync(pinned, default)));
        var request = Assert.IsType<AllocateRequest>(Assert.Single(_sidecar.Received));
        Assert.Equal(["10.20.30.5"], request.Explicit.Ips);

        var other = pinned with { Owner = new ExternalOwner("web/b") };
        var inUse = await Assert.ThrowsAsync<ExternalIpamException>(() => source.AllocateAsync(other, default));
        Assert.Equal(ExternalIpamErrorKind.AddressInUse, inUse.Kind);
        Assert.Contains("test-ipam", inUse.Message);

        var outside = pinned with { Pinned = [IPAddress.Parse("192.0.2.1")] };
        Assert.Equal(ExternalIpamErrorKind.InvalidRequest,
            (await Assert.ThrowsAsync<ExternalIpamException>(() => source.AllocateAsync(outside, default))).Kind);
        Assert.Equal("web/a", Assert.Single(_sidecar.Pools.Holdings("ext-pool")).Value);
    }

    [Fact]
    public async Task Contract_errors_map_to_kinds()
    {
        await _sidecar.DisposeAsync();
        _sidecar = await TestSidecarServer.StartAsync(_socket, "10.20.30.0/30", null);
        var source = Source();

        var none = await Assert.ThrowsAsync<ExternalIpamException>(() => source.AllocateAsync(Request("web/a", default), default));
        Assert.Equal(ExternalIpamErrorKind.InvalidRequest, none.Kind);

        var v6 = await Assert.ThrowsAsync<ExternalIpamException>(() => source.AllocateAsync(Request("web/a", FamilyRequest.IPv6), default));
        Assert.Equal(ExternalIpamErrorKind.NotConfigured, v6.Kind);

        // A /30 scanned from network+1 holds .1, .2 and .3.
        for (int i = 0; i < 3; i++)
            await source.AllocateAsync(Request($"web/s{i}", FamilyRequest.IPv4), default);
        var full = await Assert.ThrowsAsync<ExternalIpamException>(() => source.AllocateAsync(Request("web/s3", FamilyRequest.IPv4), default));
        Assert.Equal(ExternalIpamErrorKind.PoolExhausted, full.Kind);
        Assert.True(full.IsTransient);
    }

    [Fact]
    public async Task Release_all_by_address_and_of_unknown_services()
    {
        var source = Source();
        await source.AllocateAsync(Request("web/a", FamilyRequest.DualStack), default);
        await source.AllocateAsync(Request("web/b", FamilyRequest.IPv4), default);

        await source.ReleaseAsync(new ExternalOwner("web/a"), IPAddress.Parse("fd00:20::1"), default);
        Assert.Equal(2, _sidecar.Pools.Holdings("ext-pool").Count);
        await source.ReleaseAsync(new ExternalOwner("web/a"), null, default);
        await source.ReleaseAsync(new ExternalOwner("web/never"), null, default);
        // Releasing b's address in a's name does nothing.
        await source.ReleaseAsync(new ExternalOwner("web/a"), IPAddress.Parse("10.20.30.2"), default);

        Assert.Equal("web/b", Assert.Single(_sidecar.Pools.Holdings("ext-pool")).Value);
        var all = _sidecar.Received.OfType<ReleaseRequest>().ToList();
        Assert.Equal(ReleaseRequest.TargetOneofCase.Ip, all[0].TargetCase);
        Assert.True(all[1].All);
    }

    [Fact]
    public async Task Stats_are_mapped_and_pools_are_independent()
    {
        await Source("pool-a").AllocateAsync(Request("web/a", FamilyRequest.DualStack), default);
        await Source("pool-b").AllocateAsync(Request("web/a", FamilyRequest.IPv4), default);

        var stats = await Source("pool-a").StatsAsync(default);
        Assert.Equal(1UL, stats.InUseV4);
        Assert.Equal(1UL, stats.InUseV6);
        Assert.Equal(8UL, stats.SizeV4);
        Assert.Equal(8UL, stats.SizeV6);
        Assert.True(stats.HasKnownCapacity);
        Assert.Equal(["10.20.30.0/29", "fd00:20::/125"], stats.DisplayAddresses);
        Assert.Equal("10.20.30.1", Assert.Single(_sidecar.Pools.Holdings("pool-b")).Key.ToString());
    }

    [Theory]
    [InlineData(SidecarMisbehaviour.NoAddresses, "returned no IPs and no error")]
    [InlineData(SidecarMisbehaviour.SeventeenAddresses, "returned 17 IPs (max 16)")]
    [InlineData(SidecarMisbehaviour.UnparseableAddress, "unparseable IP \"10.99.0.300\"")]
    public async Task Answers_that_break_the_contract_are_refused(SidecarMisbehaviour misbehaviour, string message)
    {
        _sidecar.Misbehaviour = misbehaviour;
        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => Source().AllocateAsync(Request("web/a", FamilyRequest.IPv4), default));
        Assert.Equal(ExternalIpamErrorKind.InvalidResponse, error.Kind);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public async Task A_slow_sidecar_hits_the_deadline()
    {
        _sidecar.Misbehaviour = SidecarMisbehaviour.Slow;
        var error = await Assert.ThrowsAsync<ExternalIpamException>(() =>
            Source(timeout: TimeSpan.FromMilliseconds(300)).AllocateAsync(Request("web/a", FamilyRequest.IPv4), default));
        Assert.Equal(ExternalIpamErrorKind.Timeout, error.Kind);
    }

    [Fact]
    public async Task A_sidecar_that_is_down_is_unavailable_and_the_same_channel_recovers()
    {
        await _sidecar.DisposeAsync();
        var source = Source();
        var error = await Assert.ThrowsAsync<ExternalIpamException>(() => source.AllocateAsync(Request("web/a", FamilyRequest.IPv4), default));
        Assert.Equal(ExternalIpamErrorKind.Unavailable, error.Kind);
        Assert.Contains(_socket, error.Message);

        _sidecar = await TestSidecarServer.StartAsync(_socket, "10.20.30.0/29", null);
        Assert.Equal("10.20.30.1", Ips(await source.AllocateAsync(Request("web/a", FamilyRequest.IPv4), default)));
    }

    [Fact]
    public void One_channel_per_socket_path_is_shared()
    {
        Assert.Same(_channels.Get(_socket), _channels.Get(_socket));
        Assert.NotSame(_channels.Get(_socket), _channels.Get(_socket + ".other"));
        Assert.Same(_channels.Get(null), _channels.Get(SidecarChannels.DefaultSocketPath));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void The_socket_is_private_to_the_owner()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_socket));
    }
}
