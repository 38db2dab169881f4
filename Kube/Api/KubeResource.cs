using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;

namespace Purelb.Kube;

/// <summary>
/// Everything generic code needs to know about one kind: where it lives in the REST tree and how to read it.
/// Built-in kinds are in <see cref="KubeResources"/>; a CRD supplies its own through <see cref="Create"/>.
/// </summary>
public sealed class KubeResource<T, TList>
    where T : class, IKubernetesObject<V1ObjectMeta>
    where TList : class
{
    private readonly Func<TList, IEnumerable<T>> _items;
    private readonly Func<TList, V1ListMeta?> _listMeta;

    public KubeResource(string group, string version, string kind, string plural, bool namespaced,
        JsonTypeInfo<T> itemType, JsonTypeInfo<TList> listType,
        Func<TList, IEnumerable<T>> items, Func<TList, V1ListMeta?> listMeta)
    {
        Group = group;
        Version = version;
        Kind = kind;
        Plural = plural;
        Namespaced = namespaced;
        ItemType = itemType;
        ListType = listType;
        _items = items;
        _listMeta = listMeta;
    }

    /// <summary>API group; "" for the core group.</summary>
    public string Group { get; }
    public string Version { get; }
    public string Kind { get; }
    public string Plural { get; }
    public bool Namespaced { get; }
    public JsonTypeInfo<T> ItemType { get; }
    public JsonTypeInfo<TList> ListType { get; }

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The collection: all namespaces when <paramref name="ns"/> is null or the kind is cluster-scoped.</summary>
    public string CollectionPath(string? ns)
    {
        var root = Group.Length == 0 ? $"api/{Version}" : $"apis/{Group}/{Version}";
        return Namespaced && !string.IsNullOrEmpty(ns)
            ? $"{root}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}"
            : $"{root}/{Plural}";
    }

    public string ObjectPath(string? ns, string name) => $"{CollectionPath(ns)}/{Uri.EscapeDataString(name)}";

    /// <summary>A subresource such as "status".</summary>
    public string SubresourcePath(string? ns, string name, string subresource) => $"{ObjectPath(ns, name)}/{subresource}";

    public IEnumerable<T> ItemsOf(TList list) => _items(list);
    public string? ResourceVersionOf(TList list) => _listMeta(list)?.ResourceVersion;
    public string? ContinueOf(TList list) => _listMeta(list)?.ContinueProperty;
}

public static class KubeResource
{
    /// <summary>For list types from the client library, which expose Items and list metadata through interfaces.</summary>
    public static KubeResource<T, TList> Create<T, TList>(string group, string version, string kind, string plural, bool namespaced,
        JsonTypeInfo<T> itemType, JsonTypeInfo<TList> listType)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TList : class, IItems<T>, IMetadata<V1ListMeta>
        => new(group, version, kind, plural, namespaced, itemType, listType, l => l.Items ?? [], l => l.Metadata);
}
