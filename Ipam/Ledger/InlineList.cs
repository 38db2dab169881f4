namespace Purelb.Ipam;

/// <summary>
/// A short list kept inside its owner: the first item in a field, any further ones in an array. A Service in the
/// ledger nearly always holds one address, and an address nearly always has one holder, so this costs a reference
/// where a <see cref="List{T}"/> costs two objects (~64 bytes) per owner, for every Service held.
/// A mutable struct: keep it in a field and reach it by reference (a <c>ref</c> property), never through a copy.
/// </summary>
internal struct InlineList<T> where T : class
{
    private T? _first;
    private T[]? _rest;
    private int _count;

    public readonly int Count => _count;

    public readonly T this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(index));
            return index == 0 ? _first! : _rest![index - 1];
        }
    }

    public void Add(T item) => Insert(_count, item);

    public void Insert(int index, T item)
    {
        if ((uint)index > (uint)_count) throw new ArgumentOutOfRangeException(nameof(index));
        if (_count == 0)
        {
            _first = item;
        }
        else if (index == 0)
        {
            InsertRest(0, _first!);
            _first = item;
        }
        else
        {
            InsertRest(index - 1, item);
        }
        _count++;
    }

    public void RemoveAt(int index)
    {
        if ((uint)index >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(index));
        if (index == 0)
        {
            if (_count == 1)
            {
                _first = null;
                _count = 0;
                return;
            }
            _first = _rest![0];
            RemoveRest(0);
        }
        else
        {
            RemoveRest(index - 1);
        }
        _count--;
    }

    public bool Remove(T item)
    {
        var index = IndexOf(item);
        if (index < 0) return false;
        RemoveAt(index);
        return true;
    }

    /// <summary>By reference, as <see cref="List{T}.IndexOf(T)"/> is for types that keep object equality.</summary>
    public readonly int IndexOf(T item)
    {
        for (int i = 0; i < _count; i++)
            if (ReferenceEquals(this[i], item)) return i;
        return -1;
    }

    public readonly bool Contains(T item) => IndexOf(item) >= 0;

    public readonly T? Find(Predicate<T> match)
    {
        for (int i = 0; i < _count; i++)
            if (match(this[i])) return this[i];
        return null;
    }

    public readonly bool Exists(Predicate<T> match) => Find(match) is not null;

    public readonly bool TrueForAll(Predicate<T> match) => !Exists(item => !match(item));

    public readonly List<T> FindAll(Predicate<T> match)
    {
        var found = new List<T>();
        for (int i = 0; i < _count; i++)
            if (match(this[i])) found.Add(this[i]);
        return found;
    }

    /// <summary>The items (those <paramref name="where"/> accepts, when given), each through <paramref name="selector"/>.</summary>
    public readonly TResult[] ToArray<TResult>(Func<T, TResult> selector, Predicate<T>? where = null)
    {
        int n = 0;
        for (int i = 0; i < _count; i++)
            if (where is null || where(this[i])) n++;
        var result = new TResult[n];
        n = 0;
        for (int i = 0; i < _count; i++)
            if (where is null || where(this[i])) result[n++] = selector(this[i]);
        return result;
    }

    public readonly Enumerator GetEnumerator() => new(this);

    // The rest holds items 1..Count-1; it grows by doubling and is dropped when one item is left.
    private void InsertRest(int at, T item)
    {
        int restCount = _count - 1;
        if (_rest is null || restCount == _rest.Length)
        {
            var grown = new T[Math.Max(1, restCount * 2)];
            if (_rest is not null) Array.Copy(_rest, grown, restCount);
            _rest = grown;
        }
        Array.Copy(_rest, at, _rest, at + 1, restCount - at);
        _rest[at] = item;
    }

    private void RemoveRest(int at)
    {
        int restCount = _count - 1;
        if (restCount == 1)
        {
            _rest = null;
            return;
        }
        Array.Copy(_rest!, at + 1, _rest!, at, restCount - at - 1);
        _rest![restCount - 1] = null!;
    }

    /// <summary>Walks the list. Unlike <see cref="List{T}"/>'s, it does not detect a change made during the walk; the
    /// ledger never makes one.</summary>
    public struct Enumerator(InlineList<T> list)
    {
        private int _index = -1;

        public bool MoveNext() => ++_index < list._count;

        public readonly T Current => list[_index];
    }
}
