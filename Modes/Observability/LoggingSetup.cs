using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Purelb.Modes.Observability;

/// <summary>One logger factory per process: text for people, JSON lines for log pipelines.</summary>
public static class LoggingSetup
{
    public static ILoggerFactory Create(string format, string level)
    {
        var minimum = ParseLevel(level);
        return LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(minimum);
            // Library chatter (HTTP client handlers) stays out of info-level logs.
            builder.AddFilter("System.Net.Http", LogLevel.Warning);
            switch (format.Trim().ToLowerInvariant())
            {
                case "json":
                    builder.AddJsonConsole(o =>
                    {
                        o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                        o.UseUtcTimestamp = true;
                        o.IncludeScopes = false;
                    });
                    break;
                case "text":
                    builder.AddSimpleConsole(o =>
                    {
                        o.SingleLine = true;
                        o.TimestampFormat = "HH:mm:ss.fff ";
                        o.UseUtcTimestamp = true;
                        o.ColorBehavior = Console.IsOutputRedirected ? LoggerColorBehavior.Disabled : LoggerColorBehavior.Default;
                    });
                    break;
                default:
                    throw new ArgumentException($"--log-format must be text or json, not '{format}'");
            }
        });
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
