namespace Purelb.Modes.Agent.Model;

/// <summary>
/// Counts real winner changes per address for <c>purelb_election_winner_changes_total{service=&lt;ip&gt;}</c>:
/// the first decision for an address is not a change, repeating the same winner is not a change; a
/// different winner, or the address going from a winner to none (or back), is. Feed it only decisions
/// made with a synced view while this node was healthy (not-ready decisions say nothing about the winner).
/// </summary>
public sealed class WinnerChangeCounter
{
    private readonly object _lock = new();
    private readonly Dictionary<string, string?> _last = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _totals = new(StringComparer.Ordinal);

    /// <summary>Records the winner for <paramref name="key"/> (null = no eligible node); true if it changed.</summary>
    public bool Observe(string key, string? winner)
    {
        lock (_lock)
        {
            if (!_last.TryGetValue(key, out var previous))
            {
                _last[key] = winner;
                return false;
            }
            if (previous == winner) return false;
            _last[key] = winner;
            _totals[key] = _totals.GetValueOrDefault(key) + 1;
            return true;
        }
    }

    /// <summary>The address is no longer on any Service: forget its history (its total stays).</summary>
    public void Forget(string key)
    {
        lock (_lock) _last.Remove(key);
    }

    public long Total(string key)
    {
        lock (_lock) return _totals.GetValueOrDefault(key);
    }

    public IReadOnlyDictionary<string, long> Totals
    {
        get { lock (_lock) return new Dictionary<string, long>(_totals, StringComparer.Ordinal); }
    }
}
