using System.Text;

namespace Purelb.Kube;

/// <summary>Query parameters of a list or watch request.</summary>
public sealed record ListOptions
{
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }
    public string? ResourceVersion { get; init; }
    public int? Limit { get; init; }
    public string? Continue { get; init; }
    public bool Watch { get; init; }
    public bool AllowWatchBookmarks { get; init; }
    public int? TimeoutSeconds { get; init; }

    internal string ToQueryString()
    {
        var q = new StringBuilder();
        void Add(string name, string? value)
        {
            if (string.IsNullOrEmpty(value)) return;
            q.Append(q.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        }
        if (Watch) Add("watch", "true");
        if (AllowWatchBookmarks) Add("allowWatchBookmarks", "true");
        Add("labelSelector", LabelSelector);
        Add("fieldSelector", FieldSelector);
        Add("resourceVersion", ResourceVersion);
        Add("limit", Limit?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Add("continue", Continue);
        Add("timeoutSeconds", TimeoutSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return q.ToString();
    }
}
