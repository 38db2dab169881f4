using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Purelb.Modes.Observability.Logging;

/// <summary>
/// <c>13:51:35.323 warn: purelb.agent.bgp[0] message</c>: the shape of the .NET console logger's single-line output,
/// which operators of earlier builds grep for. Line breaks inside a message or exception become spaces, so one
/// entry is always one line.
/// </summary>
public sealed class TextLogFormat : ILogLineFormat
{
    public void Format(in LogEntry entry, IBufferWriter<byte> line)
    {
        Span<byte> time = stackalloc byte[16];
        entry.Time.UtcDateTime.TryFormat(time, out var n, "HH:mm:ss.fff");
        line.Write(time[..n]);
        line.Write(" "u8);
        line.Write(Label(entry.Level));
        line.Write(": "u8);
        WriteOneLine(line, entry.Category);
        line.Write("["u8);
        Span<byte> id = stackalloc byte[11];
        entry.EventId.TryFormat(id, out n);
        line.Write(id[..n]);
        line.Write("] "u8);
        WriteOneLine(line, entry.Message);
        if (entry.Exception is not null)
        {
            line.Write(" "u8);
            WriteOneLine(line, entry.Exception.ToString());
        }
    }

    private static ReadOnlySpan<byte> Label(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce"u8,
        LogLevel.Debug => "dbug"u8,
        LogLevel.Information => "info"u8,
        LogLevel.Warning => "warn"u8,
        LogLevel.Error => "fail"u8,
        LogLevel.Critical => "crit"u8,
        _ => "none"u8,
    };

    private static void WriteOneLine(IBufferWriter<byte> line, string text)
    {
        var rest = text.AsSpan();
        while (!rest.IsEmpty)
        {
            var stop = rest.IndexOfAny('\r', '\n');
            var part = stop < 0 ? rest : rest[..stop];
            if (!part.IsEmpty)
            {
                var span = line.GetSpan(Encoding.UTF8.GetMaxByteCount(part.Length));
                line.Advance(Encoding.UTF8.GetBytes(part, span));
            }
            if (stop < 0) break;
            // "\r\n" and runs of breaks collapse to one space.
            var next = stop;
            while (next < rest.Length && rest[next] is '\r' or '\n') next++;
            line.Write(" "u8);
            rest = rest[next..];
        }
    }
}
