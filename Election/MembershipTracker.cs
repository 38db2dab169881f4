using System.Net;

namespace Purelb.Election;

/// <summary>
/// Builds the membership view from observed lease records. A lease's age is measured on OUR monotonic
/// clock from the moment we observed its latest renewal (a changed renewTime or instance), never from
/// the writer's timestamp, so clock offsets between nodes do not matter: a lease is live while
/// <c>now &lt; observedAt + leaseDuration</c>. A timer is armed for the earliest expiry so a dead peer
/// drops out at the instant its lease expires, not at the next watch event.
/// Thread-safe; <see cref="Changed"/> is raised outside the lock, one call at a time.
/// </summary>
public sealed class MembershipTracker : IDisposable
{
    private sealed record Entry(PeerLease Lease, TimeSpan ObservedAt)
    {
        public TimeSpan ExpiresAt => ObservedAt + Lease.Duration;
    }

    private readonly TimeProvider _time;
    private readonly object _lock = new();
    private readonly object _notifyGate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LeaseReadResult> _ignored = new(StringComparer.Ordinal);
    private readonly ITimer _expiryTimer;
    private MembershipSnapshot _current = MembershipSnapshot.Empty;
    private bool _synced;

    public MembershipTracker(TimeProvider time)
    {
        _time = time;
        _expiryTimer = time.CreateTimer(_ => Refresh(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Raised when the live node set or any live node's subnets change (including by expiry).</summary>
    public event Action<MembershipSnapshot>? Changed;

    public MembershipSnapshot Current { get { lock (_lock) return _current; } }

    /// <summary>Leases currently ignored, by lease name, with the reason.</summary>
    public IReadOnlyDictionary<string, LeaseReadResult> Ignored
    {
        get { lock (_lock) return new Dictionary<string, LeaseReadResult>(_ignored, StringComparer.Ordinal); }
    }

    /// <summary>Time until the next live lease expires, or null when none is live.</summary>
    public TimeSpan? TimeUntilNextExpiry
    {
        get
        {
            lock (_lock)
            {
                var next = NextExpiry_locked(MonotonicClock.Now(_time));
                return next is { } n ? n - MonotonicClock.Now(_time) : null;
            }
        }
    }

    /// <summary>Monotonic instant at which <paramref name="node"/>'s lease expires, if we hold one for it.</summary>
    internal TimeSpan? ExpiryOf(string node)
    {
        lock (_lock) return _entries.TryGetValue(node, out var e) ? e.ExpiresAt : null;
    }

    /// <summary>A lease was added or updated (watch event or resync replay).</summary>
    public LeaseReadResult Observe(LeaseRecord record)
    {
        var result = PeerLease.TryRead(record);
        Update(changes: () => Apply_locked(record.Name, result));
        return result;
    }

    /// <summary>A lease was deleted: its node stops being live at once.</summary>
    public void Remove(string leaseName)
    {
        Update(() =>
        {
            _ignored.Remove(leaseName);
            if (LeaseContract.TryGetNodeName(leaseName, out var node)) _entries.Remove(node);
        });
    }

    /// <summary>A full list (initial sync or relist): leases missing from it are removed; the view is synced from now on.</summary>
    public IReadOnlyList<LeaseReadResult> Replace(IEnumerable<LeaseRecord> records)
    {
        var results = new List<LeaseReadResult>();
        Update(() =>
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            _ignored.Clear();
            foreach (var record in records)
            {
                var result = PeerLease.TryRead(record);
                results.Add(result);
                Apply_locked(record.Name, result);
                if (result.Lease is { } l) seen.Add(l.Node);
            }
            foreach (var node in _entries.Keys.Where(n => !seen.Contains(n)).ToList())
            {
                _entries.Remove(node);
            }
            _synced = true;
        });
        return results;
    }

    /// <summary>Re-evaluates expiries now (the expiry timer calls this; callers may too).</summary>
    public void Refresh() => Update(() => { });

    private void Apply_locked(string leaseName, LeaseReadResult result)
    {
        if (result.Lease is not { } lease)
        {
            if (result.Reason == LeaseIgnoreReason.NotAPurelbLease) return;
            _ignored[leaseName] = result;
            // A lease that turned invalid no longer proves anything about its node.
            if (LeaseContract.TryGetNodeName(leaseName, out var badNode)) _entries.Remove(badNode);
            return;
        }
        if (lease.Warnings.Count > 0) _ignored[leaseName] = result;
        else _ignored.Remove(leaseName);

        var now = MonotonicClock.Now(_time);
        if (_entries.TryGetValue(lease.Node, out var existing)
            && existing.Lease.RenewTime == lease.RenewTime
            && existing.Lease.Instance == lease.Instance
            && existing.Lease.Duration == lease.Duration)
        {
            // Not a renewal (a resync replay or a change of something else): age keeps counting.
            _entries[lease.Node] = existing with { Lease = lease };
            return;
        }
        _entries[lease.Node] = new Entry(lease, now);
    }

    private void Update(Action changes)
    {
        bool changed;
        lock (_lock)
        {
            changes();
            var now = MonotonicClock.Now(_time);
            var live = new SortedDictionary<string, IReadOnlyList<IPNetwork>>(StringComparer.Ordinal);
            foreach (var (node, entry) in _entries)
            {
                if (now < entry.ExpiresAt) live[node] = entry.Lease.Subnets;
            }
            var next = new MembershipSnapshot(live, _synced);
            changed = !next.SameMembership(_current);
            _current = next;
            var nextExpiry = NextExpiry_locked(now);
            _expiryTimer.Change(nextExpiry is { } e ? e - now : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        if (changed) Notify();
    }

    private TimeSpan? NextExpiry_locked(TimeSpan now)
    {
        TimeSpan? next = null;
        foreach (var entry in _entries.Values)
        {
            var at = entry.ExpiresAt;
            if (at > now && (next is null || at < next)) next = at;
        }
        return next;
    }

    private void Notify()
    {
        lock (_notifyGate)
        {
            MembershipSnapshot snapshot;
            lock (_lock) snapshot = _current;
            Changed?.Invoke(snapshot);
        }
    }

    public void Dispose() => _expiryTimer.Dispose();
}
