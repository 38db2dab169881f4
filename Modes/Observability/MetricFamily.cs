using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Purelb.Modes.Observability;

/// <summary>
/// One Prometheus metric name with its label names; each label-value combination is a series.
/// Series are created on first use and may be removed (a pool that went away must vanish).
/// </summary>
public abstract class MetricFamily
{
    protected MetricFamily(string name, string help, string type, string[] labelNames)
    {
        Name = name;
        Help = help;
        Type = type;
        LabelNames = labelNames;
    }

    public string Name { get; }
    public string Help { get; }
    public string Type { get; }
    public IReadOnlyList<string> LabelNames { get; }

    internal abstract void Render(StringBuilder output);

    protected static string Key(string[] labelValues) => string.Join('\u0001', labelValues);

    protected string LabelText(string[] values, string? extraName = null, string? extraValue = null)
    {
        if (values.Length == 0 && extraName is null) return "";
        var sb = new StringBuilder("{");
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(LabelNames[i]).Append("=\"").Append(Escape(values[i])).Append('"');
        }
        if (extraName is not null)
        {
            if (values.Length > 0) sb.Append(',');
            sb.Append(extraName).Append("=\"").Append(extraValue).Append('"');
        }
        return sb.Append('}').ToString();
    }

    protected void CheckArity(string[] labelValues)
    {
        if (labelValues.Length != LabelNames.Count)
            throw new ArgumentException($"{Name} takes {LabelNames.Count} label values, got {labelValues.Length}");
    }

    protected static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
}

/// <summary>A value per series that is set (gauge) or only grows (counter).</summary>
public sealed class ScalarMetric : MetricFamily
{
    private readonly ConcurrentDictionary<string, (string[] Labels, double Value)> _series = new();
    private readonly bool _monotonic;

    internal ScalarMetric(string name, string help, bool monotonic, string[] labelNames)
        : base(name, help, monotonic ? "counter" : "gauge", labelNames) => _monotonic = monotonic;

    public void Inc(params string[] labelValues) => Add(1, labelValues);

    public void Add(double delta, params string[] labelValues)
    {
        CheckArity(labelValues);
        if (_monotonic && delta < 0) throw new ArgumentOutOfRangeException(nameof(delta), "a counter never decreases");
        _series.AddOrUpdate(Key(labelValues), _ => (labelValues, delta), (_, old) => (old.Labels, old.Value + delta));
    }

    public void Set(double value, params string[] labelValues)
    {
        CheckArity(labelValues);
        if (_monotonic) throw new InvalidOperationException($"{Name} is a counter");
        _series[Key(labelValues)] = (labelValues, value);
    }

    public double Get(params string[] labelValues) =>
        _series.TryGetValue(Key(labelValues), out var s) ? s.Value : 0;

    public void Remove(params string[] labelValues) => _series.TryRemove(Key(labelValues), out _);

    /// <summary>Drops every series whose labels match the predicate (e.g. all series of a deleted pool).</summary>
    public void RemoveWhere(Func<string[], bool> predicate)
    {
        foreach (var (key, series) in _series)
            if (predicate(series.Labels)) _series.TryRemove(key, out _);
    }

    public void Clear() => _series.Clear();

    internal override void Render(StringBuilder output)
    {
        foreach (var (_, series) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
            output.Append(Name).Append(LabelText(series.Labels)).Append(' ').Append(Format(series.Value)).Append('\n');
    }
}

/// <summary>Cumulative buckets, sum and count per series.</summary>
public sealed class HistogramMetric : MetricFamily
{
    private readonly double[] _bounds;
    private readonly ConcurrentDictionary<string, Series> _series = new();

    internal HistogramMetric(string name, string help, double[] bounds, string[] labelNames)
        : base(name, help, "histogram", labelNames) => _bounds = bounds;

    public static double[] DefaultBuckets => [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public void Observe(double value, params string[] labelValues)
    {
        CheckArity(labelValues);
        var series = _series.GetOrAdd(Key(labelValues), _ => new Series(labelValues, _bounds.Length));
        lock (series)
        {
            for (int i = 0; i < _bounds.Length; i++)
                if (value <= _bounds[i]) series.Buckets[i]++;
            series.Count++;
            series.Sum += value;
        }
    }

    internal override void Render(StringBuilder output)
    {
        foreach (var (_, s) in _series.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            lock (s)
            {
                for (int i = 0; i < _bounds.Length; i++)
                    output.Append(Name).Append("_bucket").Append(LabelText(s.Labels, "le", Format(_bounds[i])))
                        .Append(' ').Append(s.Buckets[i]).Append('\n');
                output.Append(Name).Append("_bucket").Append(LabelText(s.Labels, "le", "+Inf")).Append(' ').Append(s.Count).Append('\n');
                output.Append(Name).Append("_sum").Append(LabelText(s.Labels)).Append(' ').Append(Format(s.Sum)).Append('\n');
                output.Append(Name).Append("_count").Append(LabelText(s.Labels)).Append(' ').Append(s.Count).Append('\n');
            }
        }
    }

    private sealed class Series(string[] labels, int bucketCount)
    {
        public string[] Labels { get; } = labels;
        public long[] Buckets { get; } = new long[bucketCount];
        public long Count { get; set; }
        public double Sum { get; set; }
    }
}
