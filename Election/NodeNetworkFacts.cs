using System.Net;
using System.Net.Sockets;

namespace Purelb.Election;

/// <summary>Kernel address flags (IFA_F_*) the election and announcer look at.</summary>
[Flags]
public enum AddressFlags
{
    None = 0,
    NoDad = 0x02,
    DadFailed = 0x08,
    Deprecated = 0x20,
    Tentative = 0x40,
    Permanent = 0x80,
    NoPrefixRoute = 0x200,
}

/// <summary>A network interface as the kernel reports it.</summary>
public sealed record LinkFacts(int Index, string Name, bool IsLoopback, bool IsUp = true);

/// <summary>
/// One address on a link. Lifetimes are the remaining ones the kernel reports; null = forever (permanent).
/// </summary>
public sealed record AddressFacts(
    int LinkIndex,
    IPAddress Address,
    int PrefixLength,
    AddressFlags Flags = AddressFlags.None,
    TimeSpan? ValidLifetime = null,
    TimeSpan? PreferredLifetime = null)
{
    public AddressFamily Family => Address.AddressFamily;

    /// <summary>Usable for subnet detection and interface matching: IPv6 addresses that are tentative, deprecated or failed DAD are not.</summary>
    public bool IsUsableNodeAddress =>
        Family == AddressFamily.InterNetwork
        || (Flags & (AddressFlags.DadFailed | AddressFlags.Deprecated | AddressFlags.Tentative)) == 0;

    public IPNetwork Network => IpText.MaskedNetwork(Address, PrefixLength);
}

/// <summary>A route of the main table (default-route discovery only).</summary>
/// <param name="Family">Address family.</param>
/// <param name="DestinationPrefixLength">0 for a default route.</param>
/// <param name="OutputLinkIndex">RTA_OIF; null for multipath routes.</param>
/// <param name="Priority">RTA_PRIORITY (metric).</param>
/// <param name="Table">Routing table id (254 = main).</param>
/// <param name="Cloned">RTM_F_CLONED cache entries are skipped.</param>
public sealed record RouteFacts(AddressFamily Family, int DestinationPrefixLength, int? OutputLinkIndex, int Priority, int Table = RouteFacts.MainTable, bool Cloned = false)
{
    public const int MainTable = 254;
}

/// <summary>Everything the pure election and announcement code need to know about the host's network.</summary>
public sealed record NodeNetworkFacts(IReadOnlyList<LinkFacts> Links, IReadOnlyList<AddressFacts> Addresses, IReadOnlyList<RouteFacts> Routes)
{
    public static NodeNetworkFacts Empty { get; } = new([], [], []);

    public LinkFacts? LinkByName(string name) => Links.FirstOrDefault(l => l.Name == name);

    public LinkFacts? LinkByIndex(int index) => Links.FirstOrDefault(l => l.Index == index);

    public IEnumerable<AddressFacts> AddressesOf(int linkIndex) => Addresses.Where(a => a.LinkIndex == linkIndex);

    /// <summary>
    /// The interface of the main table's default route for <paramref name="family"/>: lowest metric, first
    /// seen on ties; a default route without an output interface (multipath) cannot be used.
    /// </summary>
    public LinkFacts? DefaultRouteLink(AddressFamily family)
    {
        RouteFacts? best = null;
        foreach (var r in Routes)
        {
            if (r.Family != family || r.Table != RouteFacts.MainTable || r.Cloned || r.DestinationPrefixLength != 0) continue;
            if (best is null || r.Priority < best.Priority) best = r;
        }
        return best?.OutputLinkIndex is { } index ? LinkByIndex(index) : null;
    }
}
