namespace Purelb.Kube;

/// <summary>A deletion as the informer saw it.</summary>
/// <param name="Key">"namespace/name" of the object.</param>
/// <param name="LastKnown">The last state we had (or the state in the delete event).</param>
/// <param name="FinalStateUnknown">True when the delete was inferred from a relist: the object vanished while we
/// were not watching, so <paramref name="LastKnown"/> may be older than its real final state.</param>
public sealed record DeletedObject<T>(string Key, T LastKnown, bool FinalStateUnknown) where T : class;

/// <summary>
/// Receives the changes of an <see cref="Informer{T}"/>. Calls come one at a time, on the informer's thread, in
/// the order the cache changed. Handlers must return quickly and do no I/O (enqueue a key and return), must not
/// mutate the objects they get, and cannot fail: work that can fail belongs in the work-queue worker.
/// </summary>
public interface IResourceEventHandler<T> where T : class
{
    /// <param name="isInInitialList">True while replaying the first list (or the cache, to a late handler).</param>
    void OnAdd(T obj, bool isInInitialList);

    /// <summary>Also called with <paramref name="oldObj"/> == <paramref name="newObj"/> on periodic resync.</summary>
    void OnUpdate(T oldObj, T newObj);

    void OnDelete(DeletedObject<T> deleted);
}

/// <summary>An <see cref="IResourceEventHandler{T}"/> made of delegates; any may be null.</summary>
public sealed class ResourceEventHandler<T>(
    Action<T, bool>? onAdd = null,
    Action<T, T>? onUpdate = null,
    Action<DeletedObject<T>>? onDelete = null) : IResourceEventHandler<T> where T : class
{
    public void OnAdd(T obj, bool isInInitialList) => onAdd?.Invoke(obj, isInInitialList);
    public void OnUpdate(T oldObj, T newObj) => onUpdate?.Invoke(oldObj, newObj);
    public void OnDelete(DeletedObject<T> deleted) => onDelete?.Invoke(deleted);
}
