namespace Purelb.Ipam;

/// <summary>
/// Size and use of one pool per family, exact in 128 bits. Used counts distinct addresses (a shared
/// address counts once) and never exceeds the size, so available is never negative.
/// </summary>
public sealed record PoolUsage(PoolDefinition Pool, UInt128 SizeV4, UInt128 SizeV6, UInt128 UsedV4, UInt128 UsedV6)
{
    public UInt128 AvailableV4 => SizeV4 - UInt128.Min(UsedV4, SizeV4);

    public UInt128 AvailableV6 => SizeV6 - UInt128.Min(UsedV6, SizeV6);

    public UInt128 Size => UInt128.MaxValue - SizeV4 < SizeV6 ? UInt128.MaxValue : SizeV4 + SizeV6;

    public UInt128 Used => UsedV4 + UsedV6;

    /// <summary>Clamps to [0, Int64.MaxValue] for the CRD's int64 fields and metrics.</summary>
    public static long Clamp(UInt128 value) => value > (UInt128)long.MaxValue ? long.MaxValue : (long)value;
}

/// <summary>The values of a ServiceGroup's <c>status</c> (allocator.md §2.4). Record equality is the write-elision test.</summary>
public sealed record PoolStatusValues(
    string Announce,
    string Ipam,
    IReadOnlyList<string>? Addresses,
    long AllocatedIPv4,
    long AllocatedIPv6,
    long? AvailableIPv4,
    long? AvailableIPv6,
    IReadOnlyList<string> BoundNamespaces)
{
    /// <summary>Status of a local or remote pool from the ledger's counts.</summary>
    public static PoolStatusValues FromUsage(PoolUsage usage) => new(
        Capitalize(usage.Pool.PoolType),
        usage.Pool.IpamSource,
        usage.Pool.DisplayAddresses,
        PoolUsage.Clamp(usage.UsedV4),
        PoolUsage.Clamp(usage.UsedV6),
        PoolUsage.Clamp(usage.AvailableV4),
        PoolUsage.Clamp(usage.AvailableV6),
        usage.Pool.Namespaces);

    /// <summary>Status of an external pool from its IPAM's last statistics; capacity null means unknown.</summary>
    public static PoolStatusValues ForExternal(PoolDefinition pool, ulong inUseV4, ulong inUseV6,
        (ulong SizeV4, ulong SizeV6)? capacity, IReadOnlyList<string>? displayAddresses)
    {
        long? Available(ulong size, ulong used) => capacity is null ? null : PoolUsage.Clamp(size - Math.Min(size, used));
        return new PoolStatusValues(Capitalize(pool.PoolType), pool.IpamSource, displayAddresses,
            PoolUsage.Clamp(inUseV4), PoolUsage.Clamp(inUseV6),
            Available(capacity?.SizeV4 ?? 0, inUseV4), Available(capacity?.SizeV6 ?? 0, inUseV6),
            pool.Namespaces);
    }

    public static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..];

    public bool Equals(PoolStatusValues? other) =>
        other is not null && Announce == other.Announce && Ipam == other.Ipam &&
        AllocatedIPv4 == other.AllocatedIPv4 && AllocatedIPv6 == other.AllocatedIPv6 &&
        AvailableIPv4 == other.AvailableIPv4 && AvailableIPv6 == other.AvailableIPv6 &&
        SequenceEqual(Addresses, other.Addresses) && SequenceEqual(BoundNamespaces, other.BoundNamespaces);

    public override int GetHashCode() => HashCode.Combine(Announce, Ipam, AllocatedIPv4, AllocatedIPv6, AvailableIPv4, AvailableIPv6);

    private static bool SequenceEqual(IReadOnlyList<string>? a, IReadOnlyList<string>? b) =>
        a is null || b is null ? a is null && b is null : a.SequenceEqual(b, StringComparer.Ordinal);
}
