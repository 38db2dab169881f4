namespace Purelb.Kube;

/// <summary>The narrow write side a <see cref="Reflector{T}"/> keeps in step with the server.</summary>
public interface IReflectorStore<in T> where T : class
{
    /// <summary>A complete list: the store becomes exactly these objects (vanished keys are deleted).</summary>
    void Replace(IReadOnlyList<T> items, string resourceVersion);
    void Add(T obj);
    void Update(T obj);
    void Delete(T obj);
}
