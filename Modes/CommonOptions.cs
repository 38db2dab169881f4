using System.CommandLine;

namespace Purelb.Modes;

/// <summary>Options several modes share, created fresh per command so no option object is shared.</summary>
public static class CommonOptions
{
    public static Option<string?> Kubeconfig() => new("--kubeconfig")
    {
        Description = "Path to a kubeconfig file; in-cluster configuration when omitted (env KUBECONFIG).",
    };

    public static Option<string> Namespace() => new("--namespace", "-n")
    {
        Description = "Install namespace holding ServiceGroups, LBNodeAgents and Leases (env PURELB_NAMESPACE).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PURELB_NAMESPACE") ?? "purelb-system",
    };

    public static Option<string> LogLevel() => new("--log-level")
    {
        Description = "trace|debug|info|warn|error (env PURELB_LOG_LEVEL).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PURELB_LOG_LEVEL") ?? "info",
    };

    public static Option<string> LogFormat() => new("--log-format")
    {
        Description = "text|json (env PURELB_LOG_FORMAT).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PURELB_LOG_FORMAT") ?? "text",
    };

    public static Option<string> MetricsAddress(string defaultAddress) => new("--metrics-address")
    {
        Description = "Address:port serving /metrics, /healthz and /readyz.",
        DefaultValueFactory = _ => defaultAddress,
    };

    public static Option<string> Output() => new("--output", "-o")
    {
        Description = "Output format: table|json|yaml.",
        DefaultValueFactory = _ => "table",
    };
}
