using System.Net;
using System.Net.Sockets;
using Purelb.Election;

namespace Purelb.Modes.Agent.Model;

/// <summary>
/// One remote address as it goes on the dummy interface: the VIP with the pool's aggregation length
/// (agent.md §4.2). The kernel installs a connected route for <see cref="Prefix"/>, which is also what BGP
/// announces; several VIPs of one pool can share that prefix.
/// </summary>
public readonly record struct RemoteAddress
{
    public RemoteAddress(IPAddress address, int prefixLength)
    {
        address = ElectionKey.Normalize(address);
        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
            throw new ArgumentException($"not an IP address: {address}", nameof(address));
        if (prefixLength < 0 || prefixLength > max)
            throw new ArgumentOutOfRangeException(nameof(prefixLength), $"/{prefixLength} is not a valid length for {address}");
        Address = address;
        PrefixLength = prefixLength;
    }

    public IPAddress Address { get; }

    public int PrefixLength { get; }

    public AddressFamily Family => Address.AddressFamily;

    /// <summary>The network the address lies in at <see cref="PrefixLength"/> (host bits cleared).</summary>
    public IPNetwork Prefix => Mask(Address, PrefixLength);

    /// <summary>A host address (/32, /128) of <paramref name="address"/>.</summary>
    public static RemoteAddress Host(IPAddress address) =>
        new(address, ElectionKey.Normalize(address).AddressFamily == AddressFamily.InterNetwork ? 32 : 128);

    public static IPNetwork Mask(IPAddress address, int prefixLength)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int length);
        bytes = bytes[..length];
        for (int i = 0; i < length; i++)
        {
            int keep = Math.Clamp(prefixLength - i * 8, 0, 8);
            bytes[i] &= (byte)(0xff << (8 - keep));
        }
        return new IPNetwork(new IPAddress(bytes), prefixLength);
    }

    public override string ToString() => $"{ElectionKey.Format(Address)}/{PrefixLength}";
}
