using System.Buffers;

namespace Purelb.Modes.Observability.Logging;

/// <summary>Renders one entry as one line of UTF-8, without the newline.</summary>
public interface ILogLineFormat
{
    void Format(in LogEntry entry, IBufferWriter<byte> line);
}
