namespace Purelb.Tests.Election;

/// <summary>
/// Clears xunit's SynchronizationContext for a scope. With a non-default context on the thread that
/// completes a task, the runtime refuses to inline <c>ConfigureAwait(false)</c> continuations and queues
/// them to the thread pool; without it, a fake-clock advance runs everything it triggers to completion
/// before returning, which keeps the timing tests deterministic.
/// </summary>
public readonly struct NoSyncContext : IDisposable
{
    private readonly SynchronizationContext? _saved;

    public NoSyncContext()
    {
        _saved = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
    }

    public void Dispose() => SynchronizationContext.SetSynchronizationContext(_saved);
}
