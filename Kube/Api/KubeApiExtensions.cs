using k8s;
using k8s.Models;

namespace Purelb.Kube;

/// <summary>Typed calls on a <see cref="KubeResource{T,TList}"/>, so callers never build paths by hand.</summary>
public static class KubeApiExtensions
{
    public static Task<T> GetAsync<T, TList>(this KubeApiClient api, KubeResource<T, TList> resource, string? ns, string name, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta> where TList : class =>
        api.GetAsync(resource.ObjectPath(ns, name), resource.ItemType, ct);

    /// <summary>The object, or null when it does not exist.</summary>
    public static async Task<T?> GetOrNullAsync<T, TList>(this KubeApiClient api, KubeResource<T, TList> resource, string? ns, string name, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta> where TList : class
    {
        try
        {
            return await api.GetAsync(resource.ObjectPath(ns, name), resource.ItemType, ct).ConfigureAwait(false);
        }
        catch (KubeApiException e) when (ApiError.IsNotFound(e))
        {
            return null;
        }
    }

    public static Task<TList> ListAsync<T, TList>(this KubeApiClient api, KubeResource<T, TList> resource, string? ns, CancellationToken ct, string? labelSelector = null)
        where T : class, IKubernetesObject<V1ObjectMeta> where TList : class =>
        api.ListAsync(resource.CollectionPath(ns), new ListOptions { LabelSelector = labelSelector }, resource.ListType, ct);

    public static Task<T> CreateAsync<T, TList>(this KubeApiClient api, KubeResource<T, TList> resource, T obj, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta> where TList : class =>
        api.CreateAsync(resource.CollectionPath(obj.Metadata?.NamespaceProperty), WithType(resource, obj), resource.ItemType, ct);

    /// <summary>PUT of the whole object; 409 if its resourceVersion is stale.</summary>
    public static Task<T> ReplaceAsync<T, TList>(this KubeApiClient api, KubeResource<T, TList> resource, T obj, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta> where TList : class =>
        api.ReplaceAsync(resource.ObjectPath(obj.Metadata?.NamespaceProperty, obj.Metadata?.Name ?? ""), WithType(resource, obj), resource.ItemType, ct);

    /// <summary>PUT to the status subresource: only .status is taken from <paramref name="obj"/>.</summary>
    public static Task<T> ReplaceStatusAsync<T, TList>(this KubeApiClient api, KubeResource<T, TList> resource, T obj, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta> where TList : class =>
        api.ReplaceAsync(resource.SubresourcePath(obj.Metadata?.NamespaceProperty, obj.Metadata?.Name ?? "", "status"), WithType(resource, obj), resource.ItemType, ct);

    public static Task<T> PatchAsync<T, TList>(this KubeApiClient api, KubeResource<T, TList> resource, string? ns, string name, PatchKind kind, string patch, CancellationToken ct, string? subresource = null)
        where T : class, IKubernetesObject<V1ObjectMeta> where TList : class =>
        api.PatchAsync(subresource is null ? resource.ObjectPath(ns, name) : resource.SubresourcePath(ns, name, subresource), kind, patch, resource.ItemType, ct);

    /// <summary>A patch whose answer is read only for the object's uid and resourceVersion (see <see cref="ObjectVersion"/>).</summary>
    public static Task<ObjectVersion> PatchForVersionAsync<T, TList>(this KubeApiClient api, KubeResource<T, TList> resource, string? ns, string name,
        PatchKind kind, string patch, CancellationToken ct, string? subresource = null)
        where T : class, IKubernetesObject<V1ObjectMeta> where TList : class =>
        api.PatchAsync(subresource is null ? resource.ObjectPath(ns, name) : resource.SubresourcePath(ns, name, subresource), kind, patch,
            KubeJsonContext.Default.ObjectVersion, ct);

    public static Task DeleteAsync<T, TList>(this KubeApiClient api, KubeResource<T, TList> resource, string? ns, string name, string? resourceVersion, CancellationToken ct)
        where T : class, IKubernetesObject<V1ObjectMeta> where TList : class =>
        api.DeleteAsync(resource.ObjectPath(ns, name), resourceVersion, ct);

    // Objects that came from a list carry no apiVersion/kind; the server wants them on writes. Filling them in is
    // the one change made to the caller's object (idempotent, so harmless even on a shared cached object).
    private static T WithType<T, TList>(KubeResource<T, TList> resource, T obj)
        where T : class, IKubernetesObject<V1ObjectMeta> where TList : class
    {
        obj.ApiVersion ??= resource.ApiVersion;
        obj.Kind ??= resource.Kind;
        return obj;
    }
}
