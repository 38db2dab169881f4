using System.CommandLine;

namespace Purelb.Modes;

/// <summary>The agent's command-line options; upstream's flag and environment names where they exist.</summary>
public sealed class AgentOptions
{
    public Option<string?> Kubeconfig { get; } = CommonOptions.Kubeconfig();
    public Option<string> Namespace { get; } = CommonOptions.Namespace();
    public Option<string> LogLevel { get; } = CommonOptions.LogLevel();
    public Option<string> LogFormat { get; } = CommonOptions.LogFormat();
    public Option<string> MetricsAddress { get; } = CommonOptions.MetricsAddress(":7472");

    public Option<string?> NodeName { get; } = new("--node-name")
    {
        Description = "This node's name, from the downward API (env PURELB_NODE_NAME).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PURELB_NODE_NAME"),
    };

    public Option<string?> PodUid { get; } = new("--pod-uid")
    {
        Description = "This pod's UID, written into the Lease as the instance token (env PURELB_POD_UID).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PURELB_POD_UID"),
    };

    public Option<string> LeaseDuration { get; } = new("--lease-duration")
    {
        Description = "How long a node's Lease stays valid without renewal, e.g. 2s, 10s (env PURELB_LEASE_DURATION).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PURELB_LEASE_DURATION") ?? "5s",
    };

    public Option<string?> RenewPeriod { get; } = new("--renew-period")
    {
        Description = "How often the node renews its Lease; default a third of the lease duration (env PURELB_RENEW_PERIOD).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PURELB_RENEW_PERIOD"),
    };

    public Option<string> BgpEndpoint { get; } = new("--bgp-endpoint")
    {
        Description = "GoBGP gRPC endpoint: unix:///path or host:port (env PURELB_BGP_ENDPOINT).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PURELB_BGP_ENDPOINT") ?? "unix:///var/run/gobgp/gobgp.sock",
    };

    public Option<string> BgpMode { get; } = new("--bgp-mode")
    {
        Description = "How remote addresses reach BGP: grpc (we AddPath), netlink-import (k8gobgp imports kube-lb0) or none (env PURELB_BGP_MODE).",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("PURELB_BGP_MODE") ?? "grpc",
    };

    public Command Build()
    {
        var command = new Command("agent",
            "Run the node agent (DaemonSet): elect and announce local addresses, hold remote ones on kube-lb0 and announce them over BGP.");
        foreach (var option in new Option[]
                 {
                     Kubeconfig, Namespace, LogLevel, LogFormat, MetricsAddress, NodeName, PodUid, LeaseDuration,
                     RenewPeriod, BgpEndpoint, BgpMode,
                 })
            command.Options.Add(option);
        BgpMode.AcceptOnlyFromAmong("grpc", "netlink-import", "none");
        return command;
    }
}
