using System.Buffers;

namespace Purelb.Modes.Observability.Logging;

/// <summary>
/// Formats entries into one reused buffer and writes each as a whole line, under a lock so lines from different
/// threads never interleave. Writes are synchronous: no queue thread, and a line is out before the call returns, so
/// the last words of a crashing process are not lost in a queue.
/// </summary>
public sealed class LogLineWriter
{
    private readonly Lock _lock = new();
    private readonly Stream _output;
    private readonly ILogLineFormat _format;
    private ArrayBufferWriter<byte> _line = new(512);

    public LogLineWriter(Stream output, ILogLineFormat format)
    {
        _output = output;
        _format = format;
    }

    public void Write(in LogEntry entry)
    {
        lock (_lock)
        {
            _line.ResetWrittenCount();
            _format.Format(entry, _line);
            _line.Write("\n"u8);
            try
            {
                _output.Write(_line.WrittenSpan);
                _output.Flush();
            }
            catch (IOException)
            {
                // A closed standard output must not take the process down with it; there is nowhere left to say so.
            }
            catch (ObjectDisposedException)
            {
            }
            // A rare huge line (an exception with a long stack) must not keep its buffer for the life of the process.
            if (_line.Capacity > 64 * 1024) _line = new ArrayBufferWriter<byte>(512);
        }
    }

    public void Flush()
    {
        lock (_lock)
        {
            try { _output.Flush(); }
            catch (Exception e) when (e is IOException or ObjectDisposedException) { }
        }
    }
}
