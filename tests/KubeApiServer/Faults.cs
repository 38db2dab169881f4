namespace KubeApiServer;

/// <summary>Faults tests switch on: added latency and failing writes. Watch drops and compaction live on <see cref="ApiServer"/>.</summary>
public sealed class FaultInjector
{
    readonly object _gate = new();
    int _failWrites;
    int _failCode = 500;
    string? _failResource;
    long _latencyTicks;

    /// <summary>Delay added before every API request is handled.</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _latencyTicks));
        set => Interlocked.Exchange(ref _latencyTicks, value.Ticks);
    }

    /// <summary>The next <paramref name="count"/> writes (optionally only to one resource plural) fail with 500 or 409.</summary>
    public void FailNextWrites(int count, int code = 500, string? resource = null)
    {
        if (code is not (500 or 409)) throw new ArgumentOutOfRangeException(nameof(code), "only 500 and 409 are injected");
        lock (_gate) { _failWrites = count; _failCode = code; _failResource = resource; }
    }

    public int PendingWriteFailures { get { lock (_gate) return _failWrites; } }

    /// <summary>Status writes drop metadata for every type, as custom resources' do: a stricter server than today's
    /// kube-apiserver, whose built-in status strategies store labels and annotations sent to /status.</summary>
    public bool StatusWritesDropMetadata { get; set; }

    public void Clear()
    {
        lock (_gate) { _failWrites = 0; _failResource = null; }
        Latency = TimeSpan.Zero;
        StatusWritesDropMetadata = false;
    }

    internal ApiError? TakeWriteFailure(ResourceType type, string name)
    {
        lock (_gate)
        {
            if (_failWrites <= 0 || (_failResource != null && _failResource != type.Plural)) return null;
            _failWrites--;
            return _failCode == 409
                ? ApiError.Conflict(type.Plural, type.Group, name)
                : ApiError.Internal("injected fault: the server failed this write");
        }
    }
}
