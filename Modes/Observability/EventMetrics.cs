using Purelb.Kube;

namespace Purelb.Modes.Observability;

/// <summary>The event recorder's own figures: a burst that overflows its queue is otherwise visible only in the log.</summary>
public static class EventMetrics
{
    public static void Register(MetricRegistry registry, EventRecorder events) =>
        registry.AddCollector(() =>
        [
            ("purelb_events_dropped_total", "Kubernetes Events dropped because the event queue was full.", "counter", events.Dropped),
        ]);
}
