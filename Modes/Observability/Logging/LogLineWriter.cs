using System.Buffers;

namespace Purelb.Modes.Observability.Logging;

/// <summary>
/// Formats each entry on the caller's thread into a pending buffer and has a thread-pool work item write what has
/// piled up in one write call, in order. A burst (the allocator's 10,000 "assigned" lines) costs a few large writes
/// instead of one blocking write per line, with no thread kept for it. Past <see cref="BackPressureBytes"/> pending,
/// callers write themselves: a stuck standard output slows logging down rather than growing memory without bound.
/// </summary>
public sealed class LogLineWriter
{
    private const int BackPressureBytes = 1 << 20;
    private const int KeepCapacity = 256 * 1024;

    private readonly Lock _lock = new();      // guards _pending and _scheduled
    private readonly Lock _writeLock = new(); // one writer at a time, so batches go out in order
    private readonly Stream _output;
    private readonly ILogLineFormat _format;
    private ArrayBufferWriter<byte> _pending = new(4096);
    private ArrayBufferWriter<byte> _writing = new(4096);
    private bool _scheduled;

    public LogLineWriter(Stream output, ILogLineFormat format)
    {
        _output = output;
        _format = format;
    }

    public void Write(in LogEntry entry)
    {
        bool schedule = false, pressed;
        lock (_lock)
        {
            _format.Format(entry, _pending);
            _pending.Write("\n"u8);
            pressed = _pending.WrittenCount > BackPressureBytes;
            if (!pressed && !_scheduled) schedule = _scheduled = true;
        }
        if (pressed) Flush();
        else if (schedule) ThreadPool.UnsafeQueueUserWorkItem(static writer => writer.Drain(), this, preferLocal: false);
    }

    /// <summary>Writes everything logged so far before returning (at exit, and under back pressure).</summary>
    public void Flush()
    {
        lock (_writeLock) WritePending(keepScheduled: true);
    }

    private void Drain()
    {
        lock (_writeLock) WritePending(keepScheduled: false);
    }

    private void WritePending(bool keepScheduled)
    {
        while (true)
        {
            lock (_lock)
            {
                if (_pending.WrittenCount == 0)
                {
                    if (!keepScheduled) _scheduled = false;
                    return;
                }
                (_pending, _writing) = (_writing, _pending);
            }
            try
            {
                _output.Write(_writing.WrittenSpan);
                _output.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // A closed standard output must not take the process down with it; there is nowhere left to say so.
            }
            // A rare burst or huge line must not keep its buffer for the life of the process.
            if (_writing.Capacity > KeepCapacity) _writing = new ArrayBufferWriter<byte>(4096);
            else _writing.ResetWrittenCount();
        }
    }
}
