namespace Purelb.Bgp;

/// <summary>The two incompatible GoBGP gRPC APIs (shared/spec/bgp-and-ipam.md, "GoBGP API versions").</summary>
public enum GobgpApiVersion
{
    /// <summary>GoBGP 3.x (Debian's gobgpd): <c>/apipb.GobgpApi/*</c>, attributes as google.protobuf.Any.</summary>
    V3 = 3,
    /// <summary>GoBGP ≥ 4.0 and k8gobgp: <c>/api.GoBgpService/*</c>, typed NLRI/Attribute oneofs.</summary>
    V4 = 4,
}
