using Purelb.Modes.Observability;

namespace Purelb.Kube.Allocation;

/// <summary>The allocator's series, named as upstream PureLB names them (allocator.md §6) so dashboards carry over.</summary>
public sealed class AllocatorMetrics
{
    public AllocatorMetrics(MetricRegistry registry)
    {
        PoolSize = registry.Gauge("purelb_address_pool_size", "Total addresses in the pool.", "pool");
        PoolInUse = registry.Gauge("purelb_address_pool_addresses_in_use", "Distinct addresses of the pool in use.", "pool");
        Rejected = registry.Counter("purelb_address_pool_allocation_rejected_total", "Allocations refused, by reason.", "pool", "reason");
        MultiPoolAllocations = registry.Counter("purelb_address_pool_multipool_allocations_total", "Successful multi-pool allocations.", "pool");
        MultiPoolPartial = registry.Counter("purelb_address_pool_multipool_partial_total", "Multi-pool allocations with fewer addresses than active ranges.", "pool");
        OutOfScope = registry.Gauge("purelb_servicegroups_out_of_scope", "ServiceGroups ignored because they are outside the install namespace.", "namespace", "name", "type");
        StatusWrites = registry.Counter("purelb_allocator_sg_status_writes_total", "ServiceGroup status writes, by outcome.", "outcome");
        SidecarRpc = registry.Counter("purelb_allocator_sidecar_rpc_total", "IPAM sidecar RPCs, by socket, method and gRPC code.", "socket", "method", "code");
        SidecarRpcDuration = registry.Histogram("purelb_allocator_sidecar_rpc_duration_seconds", "IPAM sidecar RPC latency.", null, "socket", "method");
        Updates = registry.Counter("purelb_k8s_client_updates_total", "Work-queue items processed.");
        UpdateErrors = registry.Counter("purelb_k8s_client_update_errors_total", "Work-queue items that failed and were retried.");
        ConfigLoaded = registry.Gauge("purelb_k8s_client_config_loaded_bool", "1 once a configuration has been accepted.");
    }

    public ScalarMetric PoolSize { get; }
    public ScalarMetric PoolInUse { get; }
    public ScalarMetric Rejected { get; }
    public ScalarMetric MultiPoolAllocations { get; }
    public ScalarMetric MultiPoolPartial { get; }
    public ScalarMetric OutOfScope { get; }
    public ScalarMetric StatusWrites { get; }
    public ScalarMetric SidecarRpc { get; }
    public HistogramMetric SidecarRpcDuration { get; }
    public ScalarMetric Updates { get; }
    public ScalarMetric UpdateErrors { get; }
    public ScalarMetric ConfigLoaded { get; }
}
