namespace Purelb.Ipam;

/// <summary>How the allocator reports and retries each <see cref="AllocationError"/> (allocator.md §4.14, §6).</summary>
public static class AllocationErrorExtensions
{
    /// <summary>
    /// The <c>reason</c> label of <c>purelb_address_pool_allocation_rejected_total</c>. The pool-level
    /// reasons (exhausted, port_conflict, sharing_key_conflict) and the resolution reasons
    /// (namespace_denied, ambiguous_namespace_default, no_usable_pool, unknown_pool) keep upstream's
    /// names; everything else is <c>other</c>.
    /// </summary>
    public static string MetricReason(this AllocationError error) => error switch
    {
        AllocationError.PoolExhausted or AllocationError.NoActiveRanges => "exhausted",
        AllocationError.PortConflict => "port_conflict",
        AllocationError.SharingConflict => "sharing_key_conflict",
        AllocationError.NamespaceNotAllowed => "namespace_denied",
        AllocationError.AmbiguousNamespaceDefault => "ambiguous_namespace_default",
        AllocationError.InvalidGroup => "no_usable_pool",
        AllocationError.NoGroup => "unknown_pool",
        AllocationError.AddressesNotInOnePool => "multipool_pool_mismatch",
        _ => "other",
    };

    /// <summary>
    /// Whether retrying the same request soon can succeed without anything else changing. Every ledger
    /// error is permanent: only a change to the Service, the configuration or another Service (which
    /// the allocator reacts to by re-processing) can make it succeed. Transient failures come only from
    /// external IPAM calls, which the allocator classifies itself.
    /// </summary>
    public static bool IsRetryable(this AllocationError error) => false;
}
