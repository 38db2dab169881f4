using Purelb.Election;

namespace Purelb.Tests.Election;

/// <summary>
/// In-memory <see cref="ILeaseStore"/> with optimistic concurrency and fault injection. Calls complete
/// synchronously unless <see cref="Hang"/> is set, in which case they wait for cancellation.
/// </summary>
public sealed class FakeLeaseStore : ILeaseStore
{
    private readonly Dictionary<string, LeaseRecord> _leases = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>Every call throws this error while set (the API server is unreachable).</summary>
    public LeaseStoreError? FailWith { get; set; }

    /// <summary>Calls never answer (they end only by cancellation).</summary>
    public bool Hang { get; set; }

    /// <summary>Writes are applied but the caller gets an error (the acknowledgement is lost).</summary>
    public bool LoseAcks { get; set; }

    /// <summary>Called after each applied write or delete with the stored record (null = deleted).</summary>
    public event Action<string, LeaseRecord?>? Written;

    public List<string> Calls { get; } = [];

    /// <summary>This many further calls fail with <see cref="LeaseStoreError.Unavailable"/>.</summary>
    public int FailNext { get; set; }

    /// <summary>Every write takes this long (on <see cref="LatencyClock"/>) before it is applied and acknowledged.</summary>
    public TimeSpan WriteLatency { get; set; }

    public TimeProvider? LatencyClock { get; set; }

    /// <summary>When set, the next call waits for this task (the test completes it) before doing anything.</summary>
    public TaskCompletionSource? HoldNext { get; set; }

    public LeaseRecord? Peek(string name) => _leases.GetValueOrDefault(name);

    /// <summary>Writes as another client would (kubectl, an old pod): bumps the resourceVersion.</summary>
    public LeaseRecord Put(LeaseRecord record)
    {
        var stored = record with { ResourceVersion = (++_version).ToString() };
        _leases[record.Name] = stored;
        Written?.Invoke(record.Name, stored);
        return stored;
    }

    public void DeleteBehindBack(string name)
    {
        _leases.Remove(name);
        Written?.Invoke(name, null);
    }

    private async Task Gate(string call, CancellationToken ct)
    {
        Calls.Add(call);
        if (HoldNext is { } hold)
        {
            HoldNext = null;
            await hold.Task.ConfigureAwait(false);
        }
        if (Hang)
        {
            var tcs = new TaskCompletionSource();
            using (ct.Register(() => tcs.TrySetCanceled(ct)))
            {
                await tcs.Task.ConfigureAwait(false);
            }
        }
        if (FailWith is { } e) throw new LeaseStoreException(e, "injected");
        if (FailNext > 0)
        {
            FailNext--;
            throw new LeaseStoreException(LeaseStoreError.Unavailable, "injected once");
        }
        if (call != "get" && WriteLatency > TimeSpan.Zero)
        {
            await Task.Delay(WriteLatency, LatencyClock!, ct).ConfigureAwait(false);
        }
    }

    public async Task<LeaseRecord?> GetAsync(string name, CancellationToken ct)
    {
        await Gate("get", ct).ConfigureAwait(false);
        return _leases.GetValueOrDefault(name);
    }

    public async Task<LeaseRecord> CreateAsync(LeaseRecord lease, CancellationToken ct)
    {
        await Gate("create", ct).ConfigureAwait(false);
        if (_leases.ContainsKey(lease.Name)) throw new LeaseStoreException(LeaseStoreError.AlreadyExists, "exists");
        var stored = Put(lease);
        if (LoseAcks) throw new LeaseStoreException(LeaseStoreError.Unavailable, "ack lost");
        return stored;
    }

    public async Task<LeaseRecord> UpdateAsync(LeaseRecord lease, CancellationToken ct)
    {
        await Gate("update", ct).ConfigureAwait(false);
        if (!_leases.TryGetValue(lease.Name, out var current)) throw new LeaseStoreException(LeaseStoreError.NotFound, "gone");
        if (current.ResourceVersion != lease.ResourceVersion) throw new LeaseStoreException(LeaseStoreError.Conflict, "conflict");
        var stored = Put(lease);
        if (LoseAcks) throw new LeaseStoreException(LeaseStoreError.Unavailable, "ack lost");
        return stored;
    }

    public async Task DeleteAsync(string name, string? resourceVersion, CancellationToken ct)
    {
        await Gate("delete", ct).ConfigureAwait(false);
        if (!_leases.TryGetValue(name, out var current)) throw new LeaseStoreException(LeaseStoreError.NotFound, "gone");
        if (resourceVersion is not null && current.ResourceVersion != resourceVersion) throw new LeaseStoreException(LeaseStoreError.Conflict, "conflict");
        _leases.Remove(name);
        Written?.Invoke(name, null);
    }
}
