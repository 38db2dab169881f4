using Microsoft.Extensions.Logging;

namespace Purelb.Modes.Observability.Logging;

/// <summary>What one log call said: the rendered message and, for JSON, the template's named values.</summary>
public readonly record struct LogEntry(
    DateTimeOffset Time, LogLevel Level, string Category, int EventId, string Message, Exception? Exception,
    IReadOnlyList<KeyValuePair<string, object?>>? Values);
