namespace Purelb.Ipam;

/// <summary>An address family, named as Kubernetes names it in <c>spec.ipFamilies</c>.</summary>
public enum IpFamily : byte
{
    IPv4 = 4,
    IPv6 = 6,
}

public static class IpFamilyExtensions
{
    /// <summary>The Linux address-family number (2 or 10) upstream PureLB prints in its messages.</summary>
    public static int AddressFamilyNumber(this IpFamily family) => family == IpFamily.IPv4 ? 2 : 10;

    /// <summary>Number of bits in an address of this family.</summary>
    public static int Bits(this IpFamily family) => family == IpFamily.IPv4 ? 32 : 128;
}
