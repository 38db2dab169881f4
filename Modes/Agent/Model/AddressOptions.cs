using System.Net.Sockets;
using Purelb.Election;

namespace Purelb.Modes.Agent.Model;

/// <summary>LBNodeAgent <c>spec.local.addressConfig.{localInterface,dummyInterface}</c>, as written (seconds).</summary>
public sealed record InterfaceAddressConfig(int? ValidLifetime = null, int? PreferredLifetime = null, bool? NoPrefixRoute = null);

/// <summary>
/// Parameters of one RTM_NEWADDR for an announced address. Null lifetimes mean "forever".
/// </summary>
/// <param name="RenewInterval">How often the address is re-added while held (null when it never expires).</param>
public sealed record AddressOptions(TimeSpan? ValidLifetime, TimeSpan? PreferredLifetime, bool NoPrefixRoute, bool NoDad, TimeSpan? RenewInterval)
{
    public const int DefaultLocalValidSeconds = 300;
    public const int MinimumLifetimeSeconds = 60;
    public static readonly TimeSpan MinimumRenewInterval = TimeSpan.FromSeconds(30);

    /// <summary>IFA_F_* flags to request.</summary>
    public AddressFlags Flags =>
        (NoPrefixRoute ? AddressFlags.NoPrefixRoute : AddressFlags.None) | (NoDad ? AddressFlags.NoDad : AddressFlags.None);

    /// <summary>
    /// Options for an address on a local NIC. Defaults: valid 300 s, preferred = valid, no prefix route.
    /// Lifetimes of 1–59 s are raised to 60 s; 0 means forever; preferred is capped at valid.
    /// IPv6 addresses always get preferred lifetime 0 (deprecated), even with a permanent valid lifetime,
    /// so source-address selection, CNIs and our own subnet detection never pick them.
    /// </summary>
    public static AddressOptions ForLocal(InterfaceAddressConfig? config, AddressFamily family, bool skipIpv6Dad) =>
        Derive(config, DefaultLocalValidSeconds, defaultNoPrefixRoute: true, family == AddressFamily.InterNetworkV6, skipIpv6Dad);

    /// <summary>Options for a remote address on the dummy interface: forever, with a prefix route (BGP exports it).</summary>
    public static AddressOptions ForDummy(InterfaceAddressConfig? config) =>
        Derive(config, 0, defaultNoPrefixRoute: false, forceDeprecated: false, noDad: false);

    private static AddressOptions Derive(InterfaceAddressConfig? config, int defaultValid, bool defaultNoPrefixRoute, bool forceDeprecated, bool noDad)
    {
        int valid = Clamp(config?.ValidLifetime ?? defaultValid);
        int preferred = config?.PreferredLifetime is { } p ? Clamp(p) : valid;
        if (valid > 0 && (preferred == 0 || preferred > valid)) preferred = valid;
        TimeSpan? validSpan = valid > 0 ? TimeSpan.FromSeconds(valid) : null;
        TimeSpan? preferredSpan = forceDeprecated ? TimeSpan.Zero : valid > 0 ? TimeSpan.FromSeconds(preferred) : null;
        TimeSpan? renew = validSpan is { } v ? Max(v / 2, MinimumRenewInterval) : null;
        return new AddressOptions(validSpan, preferredSpan, config?.NoPrefixRoute ?? defaultNoPrefixRoute, noDad, renew);
    }

    private static int Clamp(int seconds) => seconds <= 0 ? 0 : Math.Max(MinimumLifetimeSeconds, seconds);

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
