namespace Purelb.Ipam;

/// <summary>
/// Free/used bookkeeping for one range, by offset from its start, without ever scanning the range.
/// Offsets below <c>_cursor</c> have all been handed out at some point: the freed ones sit in a sorted
/// set. Offsets at or above the cursor are free unless taken out of order (pinned or adopted), which
/// a hash set records. Taking the first free offset is O(log n) (amortised O(1) for skipping
/// out-of-order offsets); taking, testing or freeing a given offset is O(log n). Freeing the offset
/// just below the cursor pulls the cursor back, so the sets stay small under churn.
/// </summary>
internal sealed class RangeAllocator
{
    private readonly UInt128 _lastOffset;
    private UInt128 _cursor;
    private bool _cursorPastEnd;
    private readonly SortedSet<UInt128> _freedBelow = new();
    private readonly HashSet<UInt128> _usedAbove = new();

    public RangeAllocator(UInt128 lastOffset) => _lastOffset = lastOffset;

    /// <summary>Distinct offsets in use.</summary>
    public UInt128 Used { get; private set; }

    public UInt128 LastOffset => _lastOffset;

    private bool Below(UInt128 offset) => _cursorPastEnd || offset < _cursor;

    public bool IsFree(UInt128 offset) => Below(offset) ? _freedBelow.Contains(offset) : !_usedAbove.Contains(offset);

    /// <summary>The lowest free offset, without taking it.</summary>
    public bool TryPeekFirst(out UInt128 offset)
    {
        if (_freedBelow.Count > 0)
        {
            offset = _freedBelow.Min;
            return true;
        }
        if (!_cursorPastEnd)
        {
            var c = _cursor;
            while (true)
            {
                if (!_usedAbove.Contains(c))
                {
                    offset = c;
                    return true;
                }
                if (c == _lastOffset) break;
                c++;
            }
        }
        offset = default;
        return false;
    }

    /// <summary>Takes the lowest free offset.</summary>
    public bool TryTakeFirst(out UInt128 offset)
    {
        if (_freedBelow.Count > 0)
        {
            offset = _freedBelow.Min;
            _freedBelow.Remove(offset);
            Used++;
            return true;
        }
        while (!_cursorPastEnd)
        {
            offset = _cursor;
            if (_cursor == _lastOffset) _cursorPastEnd = true;
            else _cursor++;
            if (!_usedAbove.Remove(offset))
            {
                Used++;
                return true;
            }
        }
        offset = default;
        return false;
    }

    /// <summary>Takes a given offset; false when it is already in use.</summary>
    public bool TryTake(UInt128 offset)
    {
        if (offset > _lastOffset) throw new ArgumentOutOfRangeException(nameof(offset));
        if (!_cursorPastEnd && offset == _cursor)
        {
            // In-order takes (a rebuild in allocation order) just move the cursor.
            if (_usedAbove.Contains(offset)) return false;
            AdvanceCursor();
            while (!_cursorPastEnd && _usedAbove.Remove(_cursor)) AdvanceCursor();
            Used++;
            return true;
        }
        bool taken = Below(offset) ? _freedBelow.Remove(offset) : _usedAbove.Add(offset);
        if (taken) Used++;
        return taken;
    }

    private void AdvanceCursor()
    {
        if (_cursor == _lastOffset) _cursorPastEnd = true;
        else _cursor++;
    }

    /// <summary>Frees a given offset; false when it was not in use.</summary>
    public bool Free(UInt128 offset)
    {
        if (offset > _lastOffset) throw new ArgumentOutOfRangeException(nameof(offset));
        if (!Below(offset))
        {
            if (!_usedAbove.Remove(offset)) return false;
            Used--;
            return true;
        }
        if (_freedBelow.Contains(offset)) return false;
        Used--;
        bool atTop = _cursorPastEnd ? offset == _lastOffset : offset == _cursor - 1;
        if (!atTop)
        {
            _freedBelow.Add(offset);
            return true;
        }
        _cursorPastEnd = false;
        _cursor = offset;
        while (_cursor > 0 && _freedBelow.Count > 0 && _freedBelow.Max == _cursor - 1)
        {
            _freedBelow.Remove(_cursor - 1);
            _cursor--;
        }
        return true;
    }
}
