namespace Purelb.Ipam;

/// <summary>Why an IPAM operation failed. The allocator maps each to an event and a retry decision.</summary>
public enum AllocationError
{
    None,
    /// <summary>The named group does not exist (<c>unknown pool "x"</c>), or no <c>default</c> group exists.</summary>
    NoGroup,
    /// <summary>The named group exists but was rejected by validation.</summary>
    InvalidGroup,
    /// <summary>The namespace boundary forbids this group for this namespace.</summary>
    NamespaceNotAllowed,
    /// <summary>The namespace is enforced and several groups claim to be its default (or none does).</summary>
    AmbiguousNamespaceDefault,
    /// <summary>No free address in the group for a requested family.</summary>
    PoolExhausted,
    /// <summary>The group has no ranges of a family the request requires.</summary>
    NoPoolForFamily,
    /// <summary>A pinned address does not parse.</summary>
    InvalidPinnedAddress,
    /// <summary>A pinned address is in no local or remote group.</summary>
    PinnedAddressNotInPool,
    /// <summary>A pinned (or adopted) address is held by another Service and the two cannot share it.</summary>
    PinnedAddressTaken,
    /// <summary>The sharing keys differ, or the key is bound to a different address.</summary>
    SharingConflict,
    /// <summary>A port of this Service is already used on the shared address by another Service.</summary>
    PortConflict,
    /// <summary>multiPool cannot be combined with a sharing key.</summary>
    MultiPoolWithSharing,
    /// <summary>multiPool and balancePools are both on for the group.</summary>
    MultiPoolWithBalancePools,
    /// <summary>multiPool on a local group, but live node subnets are unknown.</summary>
    MultiPoolNotConfigured,
    /// <summary>multiPool: no range of the group has a live node.</summary>
    NoActiveRanges,
    /// <summary>Incremental multiPool: the Service's addresses are not all inside one group.</summary>
    AddressesNotInOnePool,
    /// <summary>The group is external: the sidecar/Netbox client allocates, not this core.</summary>
    ExternalGroup,
    /// <summary>The request itself is malformed (e.g. an empty service key).</summary>
    InvalidRequest,
}

/// <summary>Something worth an event that did not stop the operation.</summary>
public enum AllocationWarningKind
{
    /// <summary>The namespace default is ambiguous and not enforced: allocated from "default" instead.</summary>
    AmbiguousDefaultFallback,
    /// <summary>Both pinned addresses and <c>purelb.io/service-group</c> are set; the addresses win.</summary>
    GroupIgnoredForPinnedAddresses,
    /// <summary>An address the Service holds lies in no group; it is kept but not counted.</summary>
    AddressOutsidePools,
    /// <summary>An address in status does not parse and was skipped.</summary>
    UnparseableAddress,
    /// <summary>The Service's new sharing key or ports conflict on its current address; the old ones stay registered.</summary>
    RegistrationNotUpdated,
    /// <summary>multiPool got fewer addresses than there are active ranges.</summary>
    MultiPoolPartial,
    /// <summary>A PreferDualStack Service got fewer families than it listed because the group lacks one.</summary>
    FamilyUnavailable,
}

public sealed record AllocationWarning(AllocationWarningKind Kind, string Message);

/// <summary>How the group was chosen.</summary>
public enum GroupProvenance
{
    None,
    /// <summary><c>purelb.io/service-group</c>.</summary>
    Annotation,
    /// <summary>The namespace's bound default.</summary>
    Namespace,
    /// <summary>The group named <c>default</c>.</summary>
    Default,
    /// <summary><c>default</c>, because the namespace binding was ambiguous and not enforced.</summary>
    DefaultAmbiguous,
    /// <summary>Pinned addresses chose the group(s).</summary>
    PinnedAddresses,
    /// <summary>The group holding all current addresses (incremental multiPool, family reconciliation).</summary>
    Existing,
}

/// <summary>
/// The outcome of one ledger operation. On failure <see cref="Error"/> says why, <see cref="Message"/>
/// says it in words, and the ledger is exactly as it was before the call.
/// </summary>
public sealed record AllocationResult
{
    public AllocationError Error { get; init; }

    public string Message { get; init; } = "";

    public bool Succeeded => Error == AllocationError.None;

    /// <summary>Every address the Service holds after the call, in ingress order.</summary>
    public IReadOnlyList<IpAddr> Addresses { get; init; } = [];

    /// <summary>Addresses this call added.</summary>
    public IReadOnlyList<IpAddr> Added { get; init; } = [];

    /// <summary>Addresses this call released (family transitions, re-pinning).</summary>
    public IReadOnlyList<IpAddr> Released { get; init; } = [];

    /// <summary>True when the ledger changed for this Service (addresses or registration).</summary>
    public bool Changed { get; init; }

    /// <summary>Value for <c>purelb.io/allocated-from</c>: the pool names joined with ", ".</summary>
    public string AllocatedFrom { get; init; } = "";

    /// <summary>The first pool's type for <c>purelb.io/pool-type</c>; null when no pool.</summary>
    public string? PoolType { get; init; }

    /// <summary>Whether to set <c>purelb.io/skip-ipv6-dad: "true"</c> (otherwise delete it).</summary>
    public bool SkipIPv6Dad { get; init; }

    /// <summary>The group the request resolved to, if any (an external group is returned here with <see cref="AllocationError.ExternalGroup"/>).</summary>
    public PoolDefinition? Group { get; init; }

    public GroupProvenance Provenance { get; init; }

    public IReadOnlyList<AllocationWarning> Warnings { get; init; } = [];

    internal static AllocationResult Fail(AllocationError error, string message, PoolDefinition? group = null,
        IReadOnlyList<AllocationWarning>? warnings = null) =>
        new() { Error = error, Message = message, Group = group, Warnings = warnings is null || warnings.Count == 0 ? [] : warnings.ToArray() };

    public override string ToString() =>
        Succeeded ? $"ok [{string.Join(", ", Addresses)}] from {AllocatedFrom}" : $"{Error}: {Message}";
}
