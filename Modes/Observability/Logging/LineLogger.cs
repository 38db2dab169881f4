using Microsoft.Extensions.Logging;

namespace Purelb.Modes.Observability.Logging;

/// <summary>One category's logger; scopes are not recorded (nothing in purelb opens one).</summary>
internal sealed class LineLogger(string category, LogLevel minimum, LogLineWriter writer) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
        Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        var message = formatter(state, exception);
        if (string.IsNullOrEmpty(message) && exception is null) return;
        writer.Write(new LogEntry(DateTimeOffset.UtcNow, logLevel, category, eventId.Id, message, exception,
            state as IReadOnlyList<KeyValuePair<string, object?>>));
    }
}
