using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Purelb.Modes.Observability.Logging;

/// <summary>
/// One JSON object per line with the field names of the .NET console logger's JSON output, so log pipelines set up
/// for earlier builds keep working: Timestamp, EventId, LogLevel, Category, Message, Exception when there is one, and
/// State holding the rendered Message and the template's named values (numbers and booleans as such, anything else
/// as its string).
/// </summary>
public sealed class JsonLogFormat : ILogLineFormat
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Reused for every line: the writer formats under the line writer's lock, one entry at a time.
    private Utf8JsonWriter? _json;

    public void Format(in LogEntry entry, IBufferWriter<byte> line)
    {
        var json = _json ??= new Utf8JsonWriter(line, Options);
        json.Reset(line);
        json.WriteStartObject();
        Span<byte> time = stackalloc byte[32];
        entry.Time.UtcDateTime.TryFormat(time, out var n, "yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
        json.WriteString("Timestamp"u8, time[..n]);
        json.WriteNumber("EventId"u8, entry.EventId);
        json.WriteString("LogLevel"u8, LevelName(entry.Level));
        json.WriteString("Category"u8, entry.Category);
        json.WriteString("Message"u8, entry.Message);
        if (entry.Exception is not null) json.WriteString("Exception"u8, entry.Exception.ToString());
        // As the console logger: State always, its Message the rendered message, then the template's named values.
        json.WriteStartObject("State"u8);
        json.WriteString("Message"u8, entry.Message);
        foreach (var (key, value) in entry.Values ?? [])
        {
            json.WritePropertyName(key);
            WriteValue(json, value);
        }
        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "Trace",
        LogLevel.Debug => "Debug",
        LogLevel.Information => "Information",
        LogLevel.Warning => "Warning",
        LogLevel.Error => "Error",
        LogLevel.Critical => "Critical",
        _ => "None",
    };

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case bool b: json.WriteBooleanValue(b); break;
            case int i: json.WriteNumberValue(i); break;
            case long l: json.WriteNumberValue(l); break;
            case uint u: json.WriteNumberValue(u); break;
            case ulong ul: json.WriteNumberValue(ul); break;
            case short s: json.WriteNumberValue(s); break;
            case ushort us: json.WriteNumberValue(us); break;
            case byte by: json.WriteNumberValue(by); break;
            case double d when double.IsFinite(d): json.WriteNumberValue(d); break;
            case float f when float.IsFinite(f): json.WriteNumberValue(f); break;
            case decimal m: json.WriteNumberValue(m); break;
            case IFormattable formattable: json.WriteStringValue(formattable.ToString(null, CultureInfo.InvariantCulture)); break;
            default: json.WriteStringValue(value.ToString()); break;
        }
    }
}
