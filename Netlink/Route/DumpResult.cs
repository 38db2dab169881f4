using System.Collections;

namespace Purelb.Netlink.Route;

/// <summary>
/// The objects of one dump. <see cref="Interrupted"/> is NLM_F_DUMP_INTR: the kernel's table changed while it was
/// being read, so the list may be incomplete or stale and the caller should treat it as indeterminate (retry).
/// </summary>
public sealed class DumpResult<T> : IReadOnlyList<T>
{
    private readonly List<T> _items;

    internal DumpResult(List<T> items, bool interrupted)
    {
        _items = items;
        Interrupted = interrupted;
    }

    public bool Interrupted { get; }

    public int Count => _items.Count;

    public T this[int index] => _items[index];

    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
