namespace Purelb.Netlink.Route;

/// <summary>A network interface as RTM_NEWLINK describes it.</summary>
/// <param name="Flags">ifi_flags (IFF_UP 0x1, IFF_LOOPBACK 0x8, IFF_RUNNING 0x40, IFF_LOWER_UP 0x10000...).</param>
/// <param name="HardwareAddress">IFLA_ADDRESS (the MAC on Ethernet links); empty when absent.</param>
/// <param name="Kind">IFLA_INFO_KIND ("veth", "bridge", "dummy"...), null for links without one.</param>
public sealed record LinkInfo(
    int Index,
    string Name,
    uint Flags,
    ushort Type,
    byte[] HardwareAddress,
    uint Mtu,
    string? Kind,
    int MasterIndex,
    IReadOnlyList<string> AlternativeNames)
{
    public bool IsUp => (Flags & 0x1) != 0;

    public bool IsLoopback => (Flags & 0x8) != 0;

    public bool IsRunning => (Flags & 0x40) != 0;

    public bool IsLowerUp => (Flags & 0x10000) != 0;
}
