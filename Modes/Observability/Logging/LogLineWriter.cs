using System.Buffers;

namespace Purelb.Modes.Observability.Logging;

/// <summary>
/// Formats each entry on the caller's thread and has a thread-pool work item write what has piled up in one write
/// call, in order. A burst (the allocator's 10,000 "assigned" lines) costs a few large writes instead of one blocking
/// write per line, with no thread kept for it. Past <see cref="BackPressureBytes"/> pending, callers write a batch
/// themselves: a stuck standard output slows logging down rather than growing memory without bound. Once closed (the
/// factory disposed at exit), every entry is written before its call returns, since no drain may run again.
/// </summary>
public sealed class LogLineWriter
{
    private const int BackPressureBytes = 1 << 20;
    private const int KeepCapacity = 256 * 1024;
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(1.5);

    private readonly Lock _lock = new();      // guards _entry, _pending, _scheduled
    private readonly Lock _writeLock = new(); // one writer at a time, so batches go out in order
    private readonly Stream _output;
    private readonly ILogLineFormat _format;
    private ArrayBufferWriter<byte> _entry = new(512);
    private ArrayBufferWriter<byte> _pending = new(4096);
    private ArrayBufferWriter<byte> _writing = new(4096);
    private bool _scheduled;
    private volatile bool _closed;

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
            if (!TryFormat(entry)) return;
            _pending.Write(_entry.WrittenSpan);
            if (_entry.Capacity > KeepCapacity) _entry = new ArrayBufferWriter<byte>(512);
            pressed = _pending.WrittenCount > BackPressureBytes;
            if (!pressed && !_closed && !_scheduled) schedule = _scheduled = true;
        }
        if (pressed || _closed) WriteOut(untilEmpty: false, keepScheduled: true);
        else if (schedule) ThreadPool.UnsafeQueueUserWorkItem(static writer => writer.Drain(), this, preferLocal: false);
    }

    /// <summary>Writes everything logged so far, waiting at most 1.5 s for a write already under way (a stalled log
    /// collector must not hold a process that is shutting down); later entries are written by their callers.</summary>
    public void Close()
    {
        _closed = true;
        if (!_writeLock.TryEnter(CloseWait)) return;
        try { WritePending(untilEmpty: true, keepScheduled: true); }
        finally { _writeLock.Exit(); }
    }

    /// <summary>Formats into the entry buffer, so a formatter that throws halfway (an exception's or a value's
    /// ToString) leaves no half line in the pending batch. Such an entry is logged without its exception and values,
    /// or dropped: logging never throws into the code that logs.</summary>
    private bool TryFormat(in LogEntry entry)
    {
        foreach (var attempt in (ReadOnlySpan<bool>)[false, true])
        {
            _entry.ResetWrittenCount();
            try
            {
                _format.Format(attempt ? entry with { Exception = null, Values = null } : entry, _entry);
                _entry.Write("\n"u8);
                return true;
            }
            catch (Exception)
            {
            }
        }
        return false;
    }

    private void Drain() => WriteOut(untilEmpty: true, keepScheduled: false);

    private void WriteOut(bool untilEmpty, bool keepScheduled)
    {
        lock (_writeLock) WritePending(untilEmpty, keepScheduled);
    }

    private void WritePending(bool untilEmpty, bool keepScheduled)
    {
        do
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
            catch (Exception)
            {
                // A closed or broken standard output must not take the process down with it (this may run on a
                // thread-pool thread, where an exception would); there is nowhere left to say so.
            }
            // A rare burst or huge line must not keep its buffer for the life of the process.
            if (_writing.Capacity > KeepCapacity) _writing = new ArrayBufferWriter<byte>(4096);
            else _writing.ResetWrittenCount();
        } while (untilEmpty);
    }
}
