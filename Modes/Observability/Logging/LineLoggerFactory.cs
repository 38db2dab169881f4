using Microsoft.Extensions.Logging;

namespace Purelb.Modes.Observability.Logging;

/// <summary>
/// The process's loggers: each writes one line per entry, in the chosen format, to standard output (through one
/// <see cref="LogLineWriter"/>, which batches the writes). It
/// replaces the Microsoft console provider, whose options binding, dependency-injection container and background
/// queue thread cost the agent on every node more memory than the logging itself (docs/performance.md).
/// </summary>
public sealed class LineLoggerFactory : ILoggerFactory
{
    // Library chatter (the HTTP client's handlers) stays out of info-level logs.
    private const string QuietPrefix = "System.Net.Http";

    private readonly LogLevel _minimum;
    private readonly LogLineWriter _writer;

    public LineLoggerFactory(LogLevel minimum, LogLineWriter writer)
    {
        _minimum = minimum;
        _writer = writer;
    }

    public ILogger CreateLogger(string categoryName)
    {
        var minimum = categoryName.StartsWith(QuietPrefix, StringComparison.Ordinal) && _minimum < LogLevel.Warning
            ? LogLevel.Warning
            : _minimum;
        return new LineLogger(categoryName, minimum, _writer);
    }

    /// <summary>Providers are not pluggable here: every logger writes through the one line writer.</summary>
    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("purelb logs only to standard output");

    public void Dispose() => _writer.Close();
}
