using Microsoft.Extensions.Logging;
using Purelb.Modes.Observability.Logging;

namespace Purelb.Modes.Observability;

/// <summary>One logger factory per process: text for people, JSON lines for log pipelines.</summary>
public static class LoggingSetup
{
    public static ILoggerFactory Create(string format, string level) => Create(format, level, Console.OpenStandardOutput());

    public static ILoggerFactory Create(string format, string level, Stream output)
    {
        var minimum = ParseLevel(level);
        ILogLineFormat lines = format.Trim().ToLowerInvariant() switch
        {
            "json" => new JsonLogFormat(),
            "text" => new TextLogFormat(),
            _ => throw new ArgumentException($"--log-format must be text or json, not '{format}'"),
        };
        return new LineLoggerFactory(minimum, new LogLineWriter(output, lines));
    }

    /// <summary>Accepts our names and upstream's (PURELB_LOG_LEVEL=debug).</summary>
    public static LogLevel ParseLevel(string level) => level.Trim().ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" or "information" or "" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => throw new ArgumentException($"--log-level must be trace, debug, info, warn or error, not '{level}'"),
    };
}
