using System.Net;
using Google.Protobuf;
using Purelb.Bgp;
using Purelb.Bgp.V3;
using Purelb.Bgp.V4;
using Xunit;

namespace Purelb.Tests.Bgp;

/// <summary>
/// The requests we send, compared byte for byte with listings derived by hand from the protobuf wire format
/// and the field numbers of shared/spec/bgp-and-ipam.md §2.2–§2.3 (tag = field &lt;&lt; 3 | wire type; 2 = length
/// delimited, 0 = varint). The v4 IPv4/IPv6 AddPath sizes (48/88 bytes) are the ones the spec measured
/// against the full upstream protos.
/// </summary>
public sealed class GoldenMessageTests
{
    private static readonly BgpRoute V4Route = new(IPNetwork.Parse("198.51.100.10/32"), IPAddress.Any);
    private static readonly BgpRoute V6Route = new(IPNetwork.Parse("2001:db8:100::10/128"), IPAddress.Parse("2001:db8::11"));

    private const string V4PathIpv4 = """
        0a 13                       // Path.nlri (1): NLRI, 19 bytes
          0a 11                     //   NLRI.prefix (1): IPAddressPrefix, 17 bytes
            08 20                   //     prefix_len (1) = 32
            12 0d "198.51.100.10"   //     prefix (2), 13 bytes
        12 02                       // Path.pattrs (2): Attribute, 2 bytes
          12 00                     //   Attribute.origin (2): OriginAttribute{} — origin 0 = IGP, still present
        12 0b                       // Path.pattrs (2): Attribute, 11 bytes
          22 09                     //   Attribute.next_hop (4), 9 bytes
            0a 07 "0.0.0.0"         //     NextHopAttribute.next_hop (1): self
        4a 04                       // Path.family (9)
          08 01 10 01               //   afi (1) = AFI_IP, safi (2) = SAFI_UNICAST
        """;

    [Fact]
    public void V4_AddPath_IPv4_next_hop_self()
    {
        var expected = WireHex.Parse($"""
            08 01                   // AddPathRequest.table_type (1) = TABLE_TYPE_GLOBAL (1)
            1a 2c                   // AddPathRequest.path (3), 44 bytes
            {V4PathIpv4}
            """);
        Assert.Equal(48, expected.Length);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(V4Messages.AddPath(V4Route).ToByteArray()));
    }

    [Fact]
    public void V4_AddPath_IPv6_carries_mp_reach_with_the_node_address()
    {
        var expected = WireHex.Parse("""
            08 01                   // AddPathRequest.table_type (1) = TABLE_TYPE_GLOBAL
            1a 54                   // AddPathRequest.path (3), 84 bytes
              0a 17                 //   Path.nlri (1), 23 bytes
                0a 15               //     NLRI.prefix (1), 21 bytes
                  08 80 01          //       prefix_len (1) = 128 (two-byte varint)
                  12 10 "2001:db8:100::10"
              12 02 12 00           //   Path.pattrs: Attribute.origin = IGP
              12 2f                 //   Path.pattrs (2), 47 bytes
                62 2d               //     Attribute.mp_reach (12 << 3 | 2 = 0x62), 45 bytes
                  0a 04 08 02 10 01 //       MpReachNLRIAttribute.family (1) = {AFI_IP6, SAFI_UNICAST}
                  12 0c "2001:db8::11"  //   next_hops (2): the node's global IPv6, never ::
                  1a 17             //       nlris (3): NLRI, 23 bytes
                    0a 15 08 80 01 12 10 "2001:db8:100::10"
              4a 04 08 02 10 01     //   Path.family (9) = {AFI_IP6, SAFI_UNICAST}
            """);
        Assert.Equal(88, expected.Length);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(V4Messages.AddPath(V6Route).ToByteArray()));
    }

    [Fact]
    public void V4_DeletePath_names_the_path_and_family()
    {
        var expected = WireHex.Parse($"""
            08 01                   // DeletePathRequest.table_type (1) = TABLE_TYPE_GLOBAL
            1a 04 08 01 10 01       // DeletePathRequest.family (3) = AFI_IP, SAFI_UNICAST
            22 2c                   // DeletePathRequest.path (4), 44 bytes; no uuid (5)
            {V4PathIpv4}
            """);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(V4Messages.DeletePath(V4Route).ToByteArray()));
    }

    private const string V3PathIpv4 = """
        0a 3e                                               // Path.nlri (1): Any, 62 bytes
          0a 29 "type.googleapis.com/apipb.IPAddressPrefix" //   Any.type_url (1), 41 bytes
          12 11                                             //   Any.value (2), 17 bytes:
            08 20 12 0d "198.51.100.10"                     //     IPAddressPrefix{32, "198.51.100.10"}
        12 2b                                               // Path.pattrs (2): Any, 43 bytes
          0a 29 "type.googleapis.com/apipb.OriginAttribute" //   type_url; empty value (origin 0 = IGP) omitted
        12 37                                               // Path.pattrs (2): Any, 55 bytes
          0a 2a "type.googleapis.com/apipb.NextHopAttribute"
          12 09 0a 07 "0.0.0.0"                             //   value: NextHopAttribute{next_hop = self}
        4a 04 08 01 10 01                                   // Path.family (9) = {AFI_IP, SAFI_UNICAST}
        """;

    [Fact]
    public void V3_AddPath_IPv4_packs_nlri_and_attributes_in_Any()
    {
        var expected = WireHex.Parse($"""
            // AddPathRequest.table_type = GLOBAL is 0 in v3: proto3 leaves it off the wire
            1a ac 01                // AddPathRequest.path (3), 172 bytes (varint ac 01)
            {V3PathIpv4}
            """);
        Assert.Equal(175, expected.Length);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(V3Messages.AddPath(V4Route).ToByteArray()));
    }

    [Fact]
    public void V3_AddPath_IPv6_packs_mp_reach_with_the_node_address()
    {
        var expected = WireHex.Parse("""
            1a 84 02                                              // AddPathRequest.path (3), 260 bytes
              0a 42                                               //   Path.nlri: Any, 66 bytes
                0a 29 "type.googleapis.com/apipb.IPAddressPrefix"
                12 15 08 80 01 12 10 "2001:db8:100::10"           //     value: IPAddressPrefix{128, ...}, 21 bytes
              12 2b 0a 29 "type.googleapis.com/apipb.OriginAttribute"
              12 8a 01                                            //   Path.pattrs: Any, 138 bytes
                0a 2e "type.googleapis.com/apipb.MpReachNLRIAttribute"  // 46 bytes
                12 58                                             //     value, 88 bytes: MpReachNLRIAttribute
                  0a 04 08 02 10 01                               //       family (1) = {AFI_IP6, SAFI_UNICAST}
                  12 0c "2001:db8::11"                            //       next_hops (2)
                  1a 42                                           //       nlris (3): the same Any, 66 bytes
                    0a 29 "type.googleapis.com/apipb.IPAddressPrefix"
                    12 15 08 80 01 12 10 "2001:db8:100::10"
              4a 04 08 02 10 01                                   //   Path.family (9)
            """);
        Assert.Equal(263, expected.Length);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(V3Messages.AddPath(V6Route).ToByteArray()));
    }

    [Fact]
    public void V3_DeletePath_names_the_path_and_family()
    {
        var expected = WireHex.Parse($"""
            1a 04 08 01 10 01       // DeletePathRequest.family (3); table_type GLOBAL = 0 omitted
            22 ac 01                // DeletePathRequest.path (4), 172 bytes
            {V3PathIpv4}
            """);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(V3Messages.DeletePath(V4Route).ToByteArray()));
    }

    [Fact]
    public void V4_ListPath_asks_the_global_table_for_one_family()
    {
        var expected = WireHex.Parse("""
            08 01                   // ListPathRequest.table_type (1) = TABLE_TYPE_GLOBAL
            1a 04 08 02 10 01       // ListPathRequest.family (3) = {AFI_IP6, SAFI_UNICAST}
            """);
        Assert.Equal(expected, V4Messages.ListPath(System.Net.Sockets.AddressFamily.InterNetworkV6).ToByteArray());
    }

    [Fact]
    public void V3_local_path_in_a_ListPath_reply_is_recognised_as_ours()
    {
        // A destination as gobgpd 3.10 reports a path added through the API: neighbor_ip "<nil>".
        var reply = WireHex.Parse("""
            0a 10 "198.51.100.10/32"   // Destination.prefix (1), 16 bytes
            12 82 01                   // Destination.paths (2), 130 bytes
              0a 3e 0a 29 "type.googleapis.com/apipb.IPAddressPrefix" 12 11 08 20 12 0d "198.51.100.10"
              12 37 0a 2a "type.googleapis.com/apipb.NextHopAttribute" 12 09 0a 07 "0.0.0.0"
              20 01                    // best (4) = true
              7a 05 "<nil>"            // neighbor_ip (15, tag 0x7a)
            """);
        // Parsed with purelb's own generated type (this assembly compiles the same proto into a twin type).
        var ribPaths = typeof(V3Messages).GetMethod(nameof(V3Messages.RibPaths))!;
        var destinationType = ribPaths.GetParameters()[0].ParameterType;
        var parser = (MessageParser)destinationType.GetProperty("Parser")!.GetValue(null)!;
        var destination = parser.ParseFrom(reply);
        var path = Assert.Single((IEnumerable<BgpRibPath>)ribPaths.Invoke(null, [destination])!);
        Assert.Equal(IPNetwork.Parse("198.51.100.10/32"), path.Prefix);
        Assert.Equal(IPAddress.Any, path.NextHop);
        Assert.True(path.IsOwnedByApi);
        Assert.True(path.IsBest);
    }

    [Theory]
    [InlineData(Grpc.Core.StatusCode.Unavailable, "", BgpError.Unavailable)]
    [InlineData(Grpc.Core.StatusCode.Unknown, "bgp server hasn't started yet", BgpError.NotStarted)]
    [InlineData(Grpc.Core.StatusCode.Unknown, "can't find a specified path", BgpError.Rejected)]
    [InlineData(Grpc.Core.StatusCode.Unimplemented, "unknown service api.GoBgpService", BgpError.Unimplemented)]
    [InlineData(Grpc.Core.StatusCode.InvalidArgument, "", BgpError.InvalidArgument)]
    [InlineData(Grpc.Core.StatusCode.DeadlineExceeded, "", BgpError.DeadlineExceeded)]
    [InlineData(Grpc.Core.StatusCode.PermissionDenied, "", BgpError.PermissionDenied)]
    public void Status_codes_map_to_BgpError(Grpc.Core.StatusCode code, string detail, BgpError expected) =>
        Assert.Equal(expected, BgpException.Classify(code, detail));
}
