using k8s;
using k8s.Models;

namespace Purelb.Kube;

/// <summary>
/// The usual informer handler: every add, update and delete enqueues the object's "namespace/name" key, and
/// nothing else happens on the informer's thread. <paramref name="updateMatters"/> may drop updates that cannot
/// change the outcome (for example writes only to keys another component owns).
/// </summary>
public sealed class KeyEnqueuer<T>(WorkQueue<string> queue, Func<T, T, bool>? updateMatters = null) : IResourceEventHandler<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public void OnAdd(T obj, bool isInInitialList) => queue.Add(KubeObjects.KeyOf(obj));

    public void OnUpdate(T oldObj, T newObj)
    {
        if (updateMatters is null || updateMatters(oldObj, newObj))
            queue.Add(KubeObjects.KeyOf(newObj));
    }

    public void OnDelete(DeletedObject<T> deleted) => queue.Add(deleted.Key);
}
