namespace Purelb.Kube;

public enum WatchEventType
{
    Added,
    Modified,
    Deleted,
    /// <summary>No object change; carries only a resourceVersion the watch has progressed to.</summary>
    Bookmark,
}

/// <summary>One event of a watch. ERROR events never appear here: the watch throws a <see cref="KubeApiException"/>.</summary>
/// <param name="Object">The object for Added/Modified/Deleted; null for Bookmark.</param>
/// <param name="ResourceVersion">The resourceVersion the event brings the watcher up to.</param>
public readonly record struct WatchEvent<T>(WatchEventType Type, T? Object, string ResourceVersion) where T : class;

/// <summary>The result of a complete (all pages) list.</summary>
public sealed record ListResult<T>(IReadOnlyList<T> Items, string ResourceVersion);
