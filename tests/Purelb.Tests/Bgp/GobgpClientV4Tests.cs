using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Purelb.Bgp;
using Purelb.Bgp.Protos.V4;
using Purelb.Bgp.V4;
using Xunit;

namespace Purelb.Tests.Bgp;

/// <summary>The client against our own in-process v4 daemon: what goes over the wire and what comes back.</summary>
public sealed class GobgpClientV4Tests
{
    private static readonly BgpRoute V4Route = new(IPNetwork.Parse("198.51.100.10/32"), IPAddress.Any);
    private static readonly BgpRoute V6Route = new(IPNetwork.Parse("2001:db8:100::10/128"), IPAddress.Parse("2001:db8::11"));

    [Fact]
    public async Task A_missing_socket_is_reported_by_its_path_not_by_grpcs_placeholder_address()
    {
        var socket = TestPaths.Socket();
        var e = await Assert.ThrowsAsync<BgpException>(() => GobgpClient.ConnectAsync(BgpEndpoint.Parse("unix://" + socket), callTimeout: TimeSpan.FromSeconds(2)));
        Assert.Equal(BgpError.Unavailable, e.Error);
        Assert.Contains($"no gobgpd socket at {socket}", e.Message);
        Assert.DoesNotContain("localhost:80", e.Message);
    }

    [Fact]
    public async Task Detects_v4_over_a_unix_socket_and_sends_the_golden_requests()
    {
        var fake = new FakeGoBgpV4();
        var socket = TestPaths.Socket();
        await using var host = await FakeGobgpHost.StartV4Async(fake, socket);
        try
        {
            using var client = await GobgpClient.ConnectAsync(BgpEndpoint.Parse(host.Endpoint));
            Assert.Equal(GobgpApiVersion.V4, client.Version);
            Assert.Equal(65000u, client.GlobalAtConnect.Asn);

            var uuid = await client.AddPathAsync(V4Route);
            Assert.Equal(16, uuid.Length);
            await client.AddPathAsync(V6Route);

            var adds = fake.RequestsOf<AddPathRequest>();
            Assert.Equal(2, adds.Count);
            Assert.Equal(V4Messages.AddPath(V4Route).ToByteArray(), adds[0].ToByteArray());
            Assert.Equal(V4Messages.AddPath(V6Route).ToByteArray(), adds[1].ToByteArray());
            Assert.Equal(["198.51.100.10/32", "2001:db8:100::10/128"], fake.Prefixes);
        }
        finally
        {
            File.Delete(socket);
        }
    }

    [Fact]
    public async Task ListPath_reads_local_paths_with_their_next_hops_and_DeletePath_is_idempotent()
    {
        var fake = new FakeGoBgpV4();
        await using var host = await FakeGobgpHost.StartV4Async(fake);
        using var client = await GobgpClient.ConnectAsync(BgpEndpoint.Parse(host.Endpoint));
        await client.AddPathAsync(V4Route);
        await client.AddPathAsync(V6Route);

        var v4 = Assert.Single(await client.ListPathAsync(AddressFamily.InterNetwork));
        Assert.Equal(V4Route.Prefix, v4.Prefix);
        Assert.Equal(IPAddress.Any, v4.NextHop);
        Assert.True(v4.IsOwnedByApi);
        var v6 = Assert.Single(await client.ListPathAsync(AddressFamily.InterNetworkV6));
        Assert.Equal(V6Route.NextHop, v6.NextHop);

        await client.DeletePathAsync(V4Route);
        await client.DeletePathAsync(V4Route);
        Assert.Equal(["2001:db8:100::10/128"], fake.Prefixes);
        Assert.All(fake.RequestsOf<DeletePathRequest>(), d =>
        {
            Assert.NotNull(d.Path?.Nlri?.Prefix);
            Assert.Equal(V4Messages.DeletePath(V4Route).ToByteArray(), d.ToByteArray());
        });
    }

    [Fact]
    public async Task Falls_back_to_v3_when_v4_is_unimplemented()
    {
        await using var host = await FakeGobgpHost.StartV3Async(new FakeGobgpV3());
        using var client = await GobgpClient.ConnectAsync(BgpEndpoint.Parse(host.Endpoint));
        Assert.Equal(GobgpApiVersion.V3, client.Version);
        Assert.Equal(64512u, client.GlobalAtConnect.Asn);
    }

    [Fact]
    public async Task Daemon_errors_become_BgpErrors()
    {
        var fake = new FakeGoBgpV4 { Asn = 0 };
        await using var host = await FakeGobgpHost.StartV4Async(fake);
        using var client = await GobgpClient.ConnectAsync(BgpEndpoint.Parse(host.Endpoint));
        Assert.False(client.GlobalAtConnect.IsStarted);

        var notStarted = await Assert.ThrowsAsync<BgpException>(() => client.AddPathAsync(V4Route));
        Assert.Equal(BgpError.NotStarted, notStarted.Error);
        Assert.True(notStarted.IsTransient);
    }

    [Fact]
    public async Task Unreachable_daemon_is_Unavailable()
    {
        var error = await Assert.ThrowsAsync<BgpException>(() =>
            GobgpClient.ConnectAsync(BgpEndpoint.Parse("unix://" + TestPaths.Socket())));
        Assert.Equal(BgpError.Unavailable, error.Error);
    }

    [Fact]
    public async Task An_unspecified_or_link_local_IPv6_next_hop_is_refused_before_anything_is_sent()
    {
        var fake = new FakeGoBgpV4();
        await using var host = await FakeGobgpHost.StartV4Async(fake);
        using var client = await GobgpClient.ConnectAsync(BgpEndpoint.Parse(host.Endpoint));

        foreach (var hop in new[] { IPAddress.IPv6Any, IPAddress.Parse("fe80::1"), IPAddress.Parse("192.0.2.11") })
        {
            var e = await Assert.ThrowsAsync<BgpException>(() => client.AddPathAsync(V6Route with { NextHop = hop }));
            Assert.Equal(BgpError.InvalidArgument, e.Error);
        }
        Assert.Empty(fake.RequestsOf<AddPathRequest>());
    }

    [Theory]
    [InlineData("unix:///var/run/gobgp/gobgp.sock", "/var/run/gobgp/gobgp.sock", null)]
    [InlineData("127.0.0.1:50051", null, "http://127.0.0.1:50051/")]
    [InlineData("localhost:50051", null, "http://localhost:50051/")]
    [InlineData("[::1]:50051", null, "http://[::1]:50051/")]
    [InlineData("http://10.0.0.1:50051", null, "http://10.0.0.1:50051/")]
    public void Endpoints_parse(string text, string? socket, string? address)
    {
        var e = BgpEndpoint.Parse(text);
        Assert.Equal(socket, e.SocketPath);
        Assert.Equal(address, e.Address?.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("unix://relative.sock")]
    [InlineData("localhost")]
    [InlineData("https://localhost:50051")]
    [InlineData("http://localhost:50051/path")]
    public void Bad_endpoints_are_refused(string text) =>
        Assert.False(BgpEndpoint.TryParse(text, out _, out var error) || error.Length == 0);

    [Fact]
    public void The_default_endpoint_is_k8gobgps_socket() =>
        Assert.Equal("/var/run/gobgp/gobgp.sock", BgpEndpoint.Parse(BgpEndpoint.Default).SocketPath);
}
