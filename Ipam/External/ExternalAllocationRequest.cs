using System.Net;

namespace Purelb.Ipam.External;

/// <summary>
/// Who holds an external address: a Service (<c>namespace/name</c>) and, when it shares its
/// address, its <c>purelb.io/allow-shared-ip</c> key. Sources that key records by owner use the
/// sharing key when present, so every Service of a sharing group sees the same address; the
/// allocator releases a shared address only when the last Service of the group goes.
/// </summary>
public sealed record ExternalOwner(string ServiceKey, string? SharingKey = null)
{
    public string ServiceKey { get; init; } = ServiceKey.IndexOf('/') is > 0 and var i && i < ServiceKey.Length - 1
        ? ServiceKey
        : throw new ArgumentException($"service key \"{ServiceKey}\" is not namespace/name", nameof(ServiceKey));

    public string Namespace => ServiceKey[..SlashIndex()];
    public string Name => ServiceKey[(SlashIndex() + 1)..];
    public bool IsShared => !string.IsNullOrEmpty(SharingKey);

    private int SlashIndex()
    {
        int i = ServiceKey.IndexOf('/');
        if (i <= 0 || i == ServiceKey.Length - 1)
            throw new ArgumentException($"service key \"{ServiceKey}\" is not namespace/name");
        return i;
    }

    public override string ToString() => IsShared ? $"{ServiceKey} (sharing key {SharingKey})" : ServiceKey;
}

/// <summary>Which families a Service wants; both false is a request for nothing.</summary>
public readonly record struct FamilyRequest(bool WantIPv4, bool WantIPv6)
{
    public static FamilyRequest IPv4 => new(true, false);
    public static FamilyRequest IPv6 => new(false, true);
    public static FamilyRequest DualStack => new(true, true);
    public bool Any => WantIPv4 || WantIPv6;
}

/// <summary>One allocation call. <see cref="Pinned"/> non-empty means "claim exactly these".</summary>
public sealed record ExternalAllocationRequest(
    ExternalOwner Owner,
    FamilyRequest Families,
    IReadOnlyList<IPAddress>? Pinned = null)
{
    public bool IsPinned => Pinned is { Count: > 0 };
}

/// <summary>
/// An address and the owner it is recorded for, as listed by an inventory. For an address kept for
/// a sharing key the record does not say which Services share it: the owner's service key is then
/// <c>*/*</c> and <see cref="ExternalOwner.SharingKey"/> is set.
/// </summary>
public sealed record ExternalHolding(ExternalOwner Owner, IPAddress Address);

/// <summary>Pool usage; sizes are null when the source cannot know its capacity.</summary>
public sealed record ExternalPoolStats(
    ulong InUseV4,
    ulong InUseV6,
    ulong? SizeV4,
    ulong? SizeV6,
    IReadOnlyList<string> DisplayAddresses)
{
    public bool HasKnownCapacity => SizeV4 is not null || SizeV6 is not null;
}
