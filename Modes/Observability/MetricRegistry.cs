using System.Text;

namespace Purelb.Modes.Observability;

/// <summary>The metrics of one process, rendered in the Prometheus text exposition format (0.0.4).</summary>
public sealed class MetricRegistry
{
    private readonly List<MetricFamily> _families = [];
    private readonly List<Func<IEnumerable<(string Name, string Help, string Type, double Value)>>> _collectors = [];

    public ScalarMetric Counter(string name, string help, params string[] labelNames) =>
        Register(new ScalarMetric(name, help, monotonic: true, labelNames));

    public ScalarMetric Gauge(string name, string help, params string[] labelNames) =>
        Register(new ScalarMetric(name, help, monotonic: false, labelNames));

    public HistogramMetric Histogram(string name, string help, double[]? buckets = null, params string[] labelNames) =>
        Register(new HistogramMetric(name, help, buckets ?? HistogramMetric.DefaultBuckets, labelNames));

    /// <summary>Values read at scrape time (process memory, build info), never stored.</summary>
    public void AddCollector(Func<IEnumerable<(string Name, string Help, string Type, double Value)>> collector)
    {
        lock (_collectors) _collectors.Add(collector);
    }

    private T Register<T>(T family) where T : MetricFamily
    {
        lock (_families)
        {
            if (_families.Any(f => f.Name == family.Name))
                throw new InvalidOperationException($"metric {family.Name} registered twice");
            _families.Add(family);
        }
        return family;
    }

    public string Render()
    {
        var sb = new StringBuilder();
        MetricFamily[] families;
        lock (_families) families = [.. _families];
        foreach (var family in families)
        {
            sb.Append("# HELP ").Append(family.Name).Append(' ').Append(family.Help).Append('\n');
            sb.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type).Append('\n');
            family.Render(sb);
        }
        Func<IEnumerable<(string, string, string, double)>>[] collectors;
        lock (_collectors) collectors = [.. _collectors];
        foreach (var collector in collectors)
        {
            // A family's samples come one after another; its HELP and TYPE lines are written once, before the first.
            string? previous = null;
            foreach (var (name, help, type, value) in collector())
            {
                var bare = name.Split('{')[0];
                if (bare != previous)
                {
                    sb.Append("# HELP ").Append(bare).Append(' ').Append(help).Append('\n');
                    sb.Append("# TYPE ").Append(bare).Append(' ').Append(type).Append('\n');
                    previous = bare;
                }
                sb.Append(name).Append(' ').Append(value.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Append('\n');
            }
        }
        return sb.ToString();
    }
}
