using Purelb.Modes.Memory;

namespace Purelb.Modes.Observability;

/// <summary>
/// Whether the binary's pages are faulted in one at a time (<see cref="PageResidency"/>) and how many start-up pages
/// were dropped: the first thing to look at when a node's purelb is a few MiB larger than docs/performance.md says.
/// </summary>
public static class PageResidencyMetrics
{
    public static void Register(MetricRegistry registry, PageResidency residency) =>
        registry.AddCollector(() =>
        [
            ("purelb_memory_fault_around_off", "1 when the kernel faults in this process's binary and libraries a page at a time (see the log's \"memory:\" line when 0).",
                "gauge", residency.Active ? 1 : 0),
            ("purelb_memory_pages_dropped_total", "Clean pages of the binary and libraries unmapped after start-up.",
                "counter", residency.DroppedPages),
        ]);
}
