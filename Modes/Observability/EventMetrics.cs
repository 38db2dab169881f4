using Purelb.Kube;

namespace Purelb.Modes.Observability;

/// <summary>The event recorder's own figures: a burst that overflows its queue is otherwise visible only in the log.</summary>
public static class EventMetrics
{
    /// <summary>One figure over every recorder the process runs (the agent has one per announcement path).</summary>
    public static void Register(MetricRegistry registry, params EventRecorder[] recorders) =>
        registry.AddCollector(() =>
        [
            ("purelb_events_dropped_total", "Kubernetes Events dropped because the event queue was full.", "counter",
                recorders.Sum(r => r.Dropped)),
        ]);
}
