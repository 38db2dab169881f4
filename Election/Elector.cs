namespace Purelb.Election;

/// <summary>
/// Keeps this node's lease alive and decides whether the node may announce. Storage goes through
/// <see cref="ILeaseStore"/>; all timing comes from the injected <see cref="TimeProvider"/>.
/// <para>
/// The node may announce only while a renewal confirmed by the store started less than
/// <see cref="ElectionTiming.FenceAfter"/> ago (on our monotonic clock). A timer fires at exactly that
/// deadline and moves the elector to <see cref="ElectorState.Fenced"/>, whatever the renew loop is doing
/// (a call stuck on an unreachable API server cannot delay it). <see cref="StateChanged"/> handlers must
/// withdraw every local address on <see cref="ElectorState.Fenced"/> and <see cref="ElectorState.Stopping"/>
/// within <see cref="ElectionTiming.WithdrawAllowance"/>.
/// </para>
/// </summary>
public sealed class Elector : IDisposable
{
    private readonly ElectorOptions _options;
    private readonly ILeaseStore _store;
    private readonly TimeProvider _time;
    private readonly ElectionTiming _timing;
    private readonly object _lock = new();
    private readonly object _notifyGate = new();
    private readonly SemaphoreSlim _attemptGate = new(1, 1);
    private readonly ITimer _fenceTimer;

    private ElectorState _state = ElectorState.Starting;
    private LeaseRecord? _stored;
    private TimeSpan _fenceAt = TimeSpan.MinValue;
    private TimeSpan _lastConfirmedStart = TimeSpan.MinValue;
    private DateTimeOffset? _lastConfirmedRenewTime;
    private long _deletionEpoch;
    private readonly List<PendingRenewal> _pending = [];
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _renewals;
    private long _failures;
    private int _consecutiveFailures;
    private string? _lastError;

    public Elector(ElectorOptions options, ILeaseStore store, TimeProvider time)
    {
        if (string.IsNullOrEmpty(options.NodeName))
        {
            throw new ArgumentException("node name must not be empty", nameof(options));
        }
        _options = options;
        _store = store;
        _time = time;
        _timing = options.Timing;
        _fenceTimer = time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Raised after every state change with the state current at the moment of the call (handlers are
    /// called one at a time; a handler may see a state twice). Must not block for long.
    /// </summary>
    public event Action<ElectorState>? StateChanged;

    public ElectorState State { get { lock (_lock) return _state; } }

    /// <summary>True while the node holds a confirmed, unfenced lease.</summary>
    public bool MayAnnounce
    {
        get
        {
            lock (_lock) return _state == ElectorState.Healthy && MonotonicClock.Now(_time) < _fenceAt;
        }
    }

    /// <summary>Time left before the node fences, or null when it is not healthy.</summary>
    public TimeSpan? TimeUntilFence
    {
        get
        {
            lock (_lock)
            {
                return _state == ElectorState.Healthy ? _fenceAt - MonotonicClock.Now(_time) : null;
            }
        }
    }

    /// <summary>
    /// For <c>/healthz</c> and <c>/readyz</c>. Ready = may announce. Not live = the elector still believes it is
    /// healthy although its deadline passed more than <see cref="ElectionTiming.WithdrawAllowance"/> ago: the
    /// fencing timer did not run (a starved or stuck process), so the pod should be restarted.
    /// </summary>
    public ElectorHealth Health()
    {
        lock (_lock)
        {
            var now = MonotonicClock.Now(_time);
            bool ready = _state == ElectorState.Healthy && now < _fenceAt;
            bool stuck = _state == ElectorState.Healthy && now >= _fenceAt + _timing.WithdrawAllowance;
            string reason = stuck
                ? $"fencing deadline passed {now - _fenceAt} ago without fencing"
                : ready ? "lease confirmed" : $"{_state}: {_lastError ?? "no confirmed renewal"}";
            return new ElectorHealth(!stuck, ready, _state, reason);
        }
    }

    /// <summary>Monotonic start time of the last confirmed renewal (see <see cref="MonotonicClock"/>), for tests and diagnostics.</summary>
    internal TimeSpan LastConfirmedRenewStart { get { lock (_lock) return _lastConfirmedStart; } }

    /// <summary>The renewTime we last wrote and saw acknowledged.</summary>
    public DateTimeOffset? LastConfirmedRenewTime { get { lock (_lock) return _lastConfirmedRenewTime; } }

    public long RenewalsTotal { get { lock (_lock) return _renewals; } }
    public long RenewalFailuresTotal { get { lock (_lock) return _failures; } }
    public int ConsecutiveFailures { get { lock (_lock) return _consecutiveFailures; } }
    public string? LastError { get { lock (_lock) return _lastError; } }

    /// <summary>
    /// One acquire-or-renew attempt: update our lease (re-reading it after a conflict), or create it when it
    /// is missing. Never throws for store failures; they are counted and leave the fencing deadline alone.
    /// </summary>
    public async Task<RenewOutcome> TryRenewAsync(CancellationToken cancellationToken)
    {
        await _attemptGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            lock (_lock)
            {
                if (_state is ElectorState.Stopping or ElectorState.Stopped) return RenewOutcome.Skipped;
            }
            var start = MonotonicClock.Now(_time);
            long epoch;
            lock (_lock) epoch = _deletionEpoch;
            RenewOutcome outcome;
            string? error = null;
            DateTimeOffset? written = null;
            using (var timeout = new CancellationTokenSource(_timing.RequestTimeout, _time))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token))
            {
                try
                {
                    (outcome, written) = await WriteAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (OperationCanceledException)
                {
                    (outcome, error) = (RenewOutcome.Failed, $"lease write timed out after {_timing.RequestTimeout}");
                }
                catch (LeaseStoreException e)
                {
                    (outcome, error) = (RenewOutcome.Failed, $"{e.Error}: {e.Message}");
                    if (e.Error is LeaseStoreError.Conflict or LeaseStoreError.NotFound)
                    {
                        lock (_lock) _stored = null;
                    }
                }
                catch (Exception e)
                {
                    (outcome, error) = (RenewOutcome.Failed, e.Message);
                }
            }
            return Confirm(start, epoch, outcome, written, error);
        }
        finally
        {
            _attemptGate.Release();
        }
    }

    private async Task<(RenewOutcome, DateTimeOffset?)> WriteAsync(CancellationToken ct)
    {
        LeaseRecord? current;
        lock (_lock) current = _stored;
        current ??= await _store.GetAsync(_options.LeaseName, ct).ConfigureAwait(false);
        if (current is null)
        {
            return await CreateAsync(ct).ConfigureAwait(false);
        }
        try
        {
            return await UpdateAsync(current, ct).ConfigureAwait(false);
        }
        catch (LeaseStoreException e) when (e.Error == LeaseStoreError.NotFound)
        {
            // Deleted behind our back: re-create it.
            return await CreateAsync(ct).ConfigureAwait(false);
        }
        catch (LeaseStoreException e) when (e.Error == LeaseStoreError.Conflict)
        {
            // Someone else wrote it (an annotation, or a previous pod of this node): read it and write over it once.
            var fresh = await _store.GetAsync(_options.LeaseName, ct).ConfigureAwait(false);
            return fresh is null
                ? await CreateAsync(ct).ConfigureAwait(false)
                : await UpdateAsync(fresh, ct).ConfigureAwait(false);
        }
    }

    private async Task<(RenewOutcome, DateTimeOffset?)> CreateAsync(CancellationToken ct)
    {
        var record = Build(null);
        try
        {
            var stored = await _store.CreateAsync(record, ct).ConfigureAwait(false);
            lock (_lock) _stored = stored;
            return (RenewOutcome.Created, record.RenewTime);
        }
        catch (LeaseStoreException e) when (e.Error == LeaseStoreError.AlreadyExists)
        {
            var existing = await _store.GetAsync(_options.LeaseName, ct).ConfigureAwait(false)
                ?? throw new LeaseStoreException(LeaseStoreError.Conflict, "lease vanished between create and read");
            return await UpdateAsync(existing, ct).ConfigureAwait(false);
        }
    }

    private async Task<(RenewOutcome, DateTimeOffset?)> UpdateAsync(LeaseRecord current, CancellationToken ct)
    {
        var record = Build(current);
        var stored = await _store.UpdateAsync(record, ct).ConfigureAwait(false);
        lock (_lock) _stored = stored;
        return (RenewOutcome.Renewed, record.RenewTime);
    }

    /// <summary>
    /// The record we write: our annotations replace theirs, foreign annotations and labels are kept, and the
    /// duration, holder and owner are always rewritten (upstream left a stale duration in place).
    /// </summary>
    private LeaseRecord Build(LeaseRecord? existing)
    {
        var annotations = existing is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(existing.Annotations, StringComparer.Ordinal);
        string subnets;
        try
        {
            subnets = _options.Subnets();
        }
        catch (Exception)
        {
            subnets = existing?.Annotation(LeaseContract.SubnetsAnnotation) ?? "";
        }
        annotations[LeaseContract.SubnetsAnnotation] = subnets;
        annotations[LeaseContract.InstanceAnnotation] = _options.Instance;
        var labels = existing is null
            ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(existing.Labels, StringComparer.Ordinal);
        foreach (var (k, v) in LeaseContract.Labels) labels[k] = v;
        var now = _time.GetUtcNow();
        var renew = new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero); // the API keeps microseconds
        var owner = _options.OwnerNodeUid is { Length: > 0 } uid
            ? new LeaseOwnerNode(_options.NodeName, uid)
            : existing?.OwnerNode;
        return new LeaseRecord(_options.LeaseName, _options.NodeName, renew, _timing.LeaseDurationSeconds,
            annotations, labels, owner, existing?.ResourceVersion);
    }

    private RenewOutcome Confirm(TimeSpan start, long epoch, RenewOutcome outcome, DateTimeOffset? written, string? error)
    {
        lock (_lock)
        {
            if (outcome == RenewOutcome.Failed)
            {
                _failures++;
                _consecutiveFailures++;
                _lastError = error;
                return outcome;
            }
            var now = MonotonicClock.Now(_time);
            var deadline = start + _timing.FenceAfter;
            // Peers may not have seen this write for up to Δ. While healthy, a renewal that lands at least Δ
            // before the current deadline extends it seamlessly; otherwise (start-up, recovery, or a write
            // acknowledged too close to the deadline) peers may have written us off, so wait Δ + W: by then
            // they see us live again and have withdrawn whatever they took over.
            bool seamless = _state == ElectorState.Healthy && now + _timing.WatchLagAllowance <= _fenceAt;
            var effectiveAt = now + (seamless ? _timing.WatchLagAllowance : _timing.JoinHoldOff);
            if (effectiveAt >= deadline || epoch != _deletionEpoch)
            {
                // Acknowledged too late to prove anything, or it raced with a deletion we have seen since.
                _failures++;
                _consecutiveFailures++;
                _lastError = epoch != _deletionEpoch ? "lease deleted while renewing" : "lease write acknowledged too close to its fencing deadline";
                return RenewOutcome.TooLate;
            }
            _renewals++;
            _consecutiveFailures = 0;
            _lastError = null;
            _pending.Add(new PendingRenewal(effectiveAt, deadline, start, written));
            Arm_locked(now);
        }
        return outcome;
    }

    private readonly record struct PendingRenewal(TimeSpan EffectiveAt, TimeSpan Deadline, TimeSpan Start, DateTimeOffset? RenewTime);

    private void OnTimer()
    {
        bool changed = false;
        lock (_lock)
        {
            if (_state is ElectorState.Stopping or ElectorState.Stopped) return;
            var now = MonotonicClock.Now(_time);
            // Renewals whose watch lag has passed take effect first: one effective exactly at the old
            // deadline was seen by every peer before they could count from the previous renewal.
            for (int i = _pending.Count - 1; i >= 0; i--)
            {
                var p = _pending[i];
                if (p.EffectiveAt > now) continue;
                _pending.RemoveAt(i);
                if (p.Deadline <= now || p.Deadline <= _fenceAt) continue;
                _fenceAt = p.Deadline;
                _lastConfirmedStart = p.Start;
                _lastConfirmedRenewTime = p.RenewTime;
            }
            if (_state == ElectorState.Healthy && now >= _fenceAt)
            {
                _state = ElectorState.Fenced;
                _lastError ??= "no lease renewal confirmed before the fencing deadline";
                changed = true;
            }
            else if (_state is ElectorState.Starting or ElectorState.Fenced && now < _fenceAt)
            {
                _state = ElectorState.Healthy;
                changed = true;
            }
            Arm_locked(now);
        }
        if (changed) Notify();
    }

    /// <summary>Next instant anything can change: a pending renewal taking effect, or the deadline.</summary>
    private void Arm_locked(TimeSpan now)
    {
        TimeSpan? next = _state == ElectorState.Healthy ? _fenceAt : null;
        foreach (var p in _pending)
        {
            if (next is null || p.EffectiveAt < next) next = p.EffectiveAt;
        }
        _fenceTimer.Change(next is { } n ? (n > now ? n - now : TimeSpan.Zero) : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Our own lease was seen deleted (watch event). Peers act on the deletion at once, so we fence at
    /// once, and the renew loop re-creates the lease right away.
    /// </summary>
    public void OnOwnLeaseDeleted()
    {
        bool changed = false;
        lock (_lock)
        {
            if (_state is ElectorState.Stopping or ElectorState.Stopped) return;
            var now = MonotonicClock.Now(_time);
            _deletionEpoch++;
            _stored = null;
            _fenceAt = now;
            _pending.Clear();
            _fenceTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (_state == ElectorState.Healthy)
            {
                _state = ElectorState.Fenced;
                _lastError = "own lease deleted";
                changed = true;
            }
            _wake.TrySetResult();
        }
        if (changed) Notify();
    }

    /// <summary>
    /// Ask the renew loop for an attempt now (e.g. the advertised subnets changed, so peers should learn it
    /// without waiting for the next period).
    /// </summary>
    public void RenewSoon()
    {
        lock (_lock) _wake.TrySetResult();
    }

    /// <summary>
    /// Renews every <see cref="ElectionTiming.RenewPeriod"/> (measured between attempt starts), retries every
    /// <see cref="ElectionTiming.RetryPeriod"/> after a failure, until cancelled (returns quietly) or shut down.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var start = MonotonicClock.Now(_time);
            RenewOutcome outcome;
            try
            {
                outcome = await TryRenewAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            if (outcome == RenewOutcome.Skipped) return;
            var delay = outcome is RenewOutcome.Renewed or RenewOutcome.Created
                ? _timing.RenewPeriod - (MonotonicClock.Now(_time) - start)
                : _timing.RetryPeriod;
            Task wake;
            lock (_lock) wake = _wake.Task;
            if (delay > TimeSpan.Zero && !wake.IsCompleted)
            {
                using var stopDelay = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var sleep = Task.Delay(delay, _time, stopDelay.Token);
                await Task.WhenAny(sleep, wake).ConfigureAwait(false);
                stopDelay.Cancel();
            }
            lock (_lock)
            {
                if (_wake.Task.IsCompleted) _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>
    /// Graceful stop: announce nothing more, withdraw every local address (through
    /// <paramref name="withdrawAll"/>), and only then delete our lease so a peer takes over at once.
    /// The lease is deleted only if it still carries our instance token, with a resourceVersion precondition.
    /// </summary>
    public async Task<ShutdownReport> ShutdownAsync(Func<CancellationToken, Task> withdrawAll, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_state is ElectorState.Stopping or ElectorState.Stopped)
            {
                return new ShutdownReport(false, LeaseDeletion.NotAttempted, "shutdown already requested");
            }
            _state = ElectorState.Stopping;
            _fenceTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        Notify();

        string? withdrawError = null;
        try
        {
            await withdrawAll(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            withdrawError = e.Message;
        }

        // An attempt in flight could otherwise re-create the lease after we delete it.
        await _attemptGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        LeaseDeletion deletion;
        string? deleteError = null;
        try
        {
            // Not the renewal deadline: every address is already withdrawn, so a slow delete costs no safety, and the
            // peers' takeover on expiry bounds what waiting longer could gain. Only the caller's budget cuts it shorter.
            using var timeout = new CancellationTokenSource(_timing.LeaseDuration, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            (deletion, deleteError) = await DeleteOwnLeaseAsync(linked.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is LeaseStoreException or OperationCanceledException)
        {
            (deletion, deleteError) = (LeaseDeletion.Failed, e.Message);
        }
        finally
        {
            _attemptGate.Release();
        }

        lock (_lock) _state = ElectorState.Stopped;
        Notify();
        return new ShutdownReport(withdrawError is null, deletion, withdrawError ?? deleteError);
    }

    private async Task<(LeaseDeletion, string?)> DeleteOwnLeaseAsync(CancellationToken ct)
    {
        for (int attempt = 0; attempt < 2; attempt++)
        {
            var current = await _store.GetAsync(_options.LeaseName, ct).ConfigureAwait(false);
            if (current is null) return (LeaseDeletion.NotFound, null);
            if (current.Annotation(LeaseContract.InstanceAnnotation) != _options.Instance)
            {
                return (LeaseDeletion.NotOurs, $"lease carries instance {current.Annotation(LeaseContract.InstanceAnnotation)}");
            }
            try
            {
                await _store.DeleteAsync(_options.LeaseName, current.ResourceVersion, ct).ConfigureAwait(false);
                return (LeaseDeletion.Deleted, null);
            }
            catch (LeaseStoreException e) when (e.Error == LeaseStoreError.NotFound)
            {
                return (LeaseDeletion.NotFound, null);
            }
            catch (LeaseStoreException e) when (e.Error == LeaseStoreError.Conflict && attempt == 0)
            {
                // Changed between read and delete: read again and re-check ownership.
            }
        }
        return (LeaseDeletion.Failed, "lease kept changing during deletion");
    }

    private void Notify()
    {
        lock (_notifyGate)
        {
            ElectorState state;
            lock (_lock) state = _state;
            StateChanged?.Invoke(state);
        }
    }

    public void Dispose()
    {
        _fenceTimer.Dispose();
        _attemptGate.Dispose();
    }
}

public enum LeaseDeletion
{
    Deleted,
    NotFound,
    /// <summary>The lease carries another pod's instance token (our replacement): left alone.</summary>
    NotOurs,
    Failed,
    NotAttempted,
}

/// <param name="Live">False only when fencing failed to run on time (restart the process).</param>
/// <param name="Ready">The node may announce.</param>
public sealed record ElectorHealth(bool Live, bool Ready, ElectorState State, string Reason);

/// <param name="Withdrawn">The withdraw callback completed without throwing.</param>
/// <param name="Deletion">What happened to the lease.</param>
/// <param name="Error">First error met, if any.</param>
public sealed record ShutdownReport(bool Withdrawn, LeaseDeletion Deletion, string? Error);
