using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;

namespace Purelb.Kube;

/// <summary>Small helpers on object identity and copying.</summary>
public static class KubeObjects
{
    /// <summary>The cache and queue key: "namespace/name", or "name" for cluster-scoped objects.</summary>
    public static string KeyOf(V1ObjectMeta? meta)
    {
        var name = meta?.Name ?? "";
        var ns = meta?.NamespaceProperty;
        return string.IsNullOrEmpty(ns) ? name : $"{ns}/{name}";
    }

    public static string KeyOf<T>(T obj) where T : IKubernetesObject<V1ObjectMeta> => KeyOf(obj.Metadata);

    public static string Key(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : $"{ns}/{name}";

    /// <summary>Splits a key made by <see cref="KeyOf(V1ObjectMeta?)"/>.</summary>
    public static (string? Namespace, string Name) SplitKey(string key)
    {
        var slash = key.IndexOf('/');
        return slash < 0 ? (null, key) : (key[..slash], key[(slash + 1)..]);
    }

    /// <summary>A deep copy through JSON. Cached objects are shared and must never be mutated: copy first.</summary>
    public static T Clone<T>(T obj, JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(JsonSerializer.SerializeToUtf8Bytes(obj, type), type)!;

    /// <summary>Equality of the JSON forms; the library's model classes compare lists by reference.</summary>
    public static bool JsonEquals<T>(T? a, T? b, JsonTypeInfo<T> type) where T : class =>
        a is null || b is null
            ? a is null && b is null
            : JsonSerializer.SerializeToUtf8Bytes(a, type).AsSpan().SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(b, type));
}

public static class MetadataExtensions
{
    /// <summary>The annotation's value, or null when absent.</summary>
    public static string? Annotation(this V1ObjectMeta? meta, string key) =>
        meta?.Annotations is { } a && a.TryGetValue(key, out var v) ? v : null;
}
