using System.Net;

namespace Purelb.Netlink.Route;

/// <summary>IFA_F_* address flags (IFA_FLAGS, u32).</summary>
[Flags]
public enum AddressFlags : uint
{
    None = 0,
    Secondary = 0x01,
    NoDad = 0x02,
    Optimistic = 0x04,
    DadFailed = 0x08,
    HomeAddress = 0x10,
    Deprecated = 0x20,
    Tentative = 0x40,
    Permanent = 0x80,
    ManageTempAddress = 0x100,
    NoPrefixRoute = 0x200,
    MulticastAutoJoin = 0x400,
    StablePrivacy = 0x800,
}

/// <summary>An interface address as RTM_NEWADDR describes it.</summary>
/// <param name="Address">IFA_LOCAL when present (the interface's own address), else IFA_ADDRESS.</param>
/// <param name="Scope">ifa_scope: 0 universe, 253 link, 254 host.</param>
/// <param name="ValidLifetime">Seconds left (IFA_CACHEINFO), <see cref="AddressInfo.Forever"/> when permanent.</param>
/// <param name="PreferredLifetime">Seconds left before the address is deprecated; 0 = deprecated.</param>
public sealed record AddressInfo(
    int InterfaceIndex,
    IPAddress Address,
    byte PrefixLength,
    byte Scope,
    AddressFlags Flags,
    string? Label,
    IPAddress? Broadcast,
    uint ValidLifetime,
    uint PreferredLifetime)
{
    /// <summary>The kernel's INFINITY_LIFE_TIME.</summary>
    public const uint Forever = uint.MaxValue;

    public bool IsDeprecated => (Flags & AddressFlags.Deprecated) != 0;

    public bool IsTentative => (Flags & AddressFlags.Tentative) != 0;

    public bool IsPermanent => (Flags & AddressFlags.Permanent) != 0;

    public override string ToString() => $"{Address}/{PrefixLength} on #{InterfaceIndex} flags {Flags} valid {ValidLifetime} preferred {PreferredLifetime}";
}

/// <summary>
/// How to add an address (agent.md §3.4). Both lifetimes 0 means permanent (no IFA_CACHEINFO is sent). A valid
/// lifetime with preferred 0 makes the kernel mark the address deprecated at once.
/// </summary>
public readonly record struct AddressOptions(uint ValidLifetime, uint PreferredLifetime, AddressFlags Flags)
{
    public static AddressOptions Permanent(AddressFlags flags = AddressFlags.None) => new(0, 0, flags);
}
