using System.Text;

namespace Purelb.Tests.Bgp;

/// <summary>
/// The configuration files every lab here runs with (BgpLab, LanRouter, the demo): bird2 as the upstream router,
/// merging equal BGP paths into one ECMP route in its kernel table, and one Debian gobgpd per node standing in for
/// the k8gobgp sidecar. Short timers (hold 9 s, connect retry 1 s) so sessions come up, and come back after a
/// daemon restart, within seconds.
/// </summary>
public static class BgpLabConfig
{
    public const int RouterAs = 65001;
    public const int NodeAs = 65000;

    /// <param name="neighbors">Protocol name and IPv4 address of each node; peering is over IPv4 for both families.</param>
    public static string Bird(string routerId, string logPath, IEnumerable<(string Name, string Address)> neighbors)
    {
        var sb = new StringBuilder();
        sb.Append($$"""
            router id {{routerId}};
            log "{{logPath}}" all;
            protocol device { scan time 10; }
            # best routes into the router's kernel; equal BGP paths are merged into one ECMP route
            protocol kernel kern4 { ipv4 { import none; export all; }; merge paths yes limit 16; }
            protocol kernel kern6 { ipv6 { import none; export all; }; merge paths yes limit 16; }
            template bgp node {
              local as {{RouterAs}}; neighbor as {{NodeAs}};
              hold time 9; connect retry time 1; error wait time 1, 2;
              ipv4 { import all; export none; };
              ipv6 { import all; export none; };
            }

            """);
        foreach (var (name, address) in neighbors) sb.Append($"protocol bgp {name} from node {{ neighbor {address}; }}\n");
        return sb.ToString();
    }

    /// <summary>A node's gobgpd: BGP started from the file (as k8gobgp starts it over the API), one peering with the router.</summary>
    public static string Gobgpd(string routerId, string routerAddress) => $"""
        [global.config]
          as = {NodeAs}
          router-id = "{routerId}"
          port = 179

        [[neighbors]]
          [neighbors.config]
            neighbor-address = "{routerAddress}"
            peer-as = {RouterAs}
          [neighbors.timers.config]
            connect-retry = 1
            hold-time = 9
            keepalive-interval = 3
          [[neighbors.afi-safis]]
            [neighbors.afi-safis.config]
              afi-safi-name = "ipv4-unicast"
          [[neighbors.afi-safis]]
            [neighbors.afi-safis.config]
              afi-safi-name = "ipv6-unicast"
        """;

    /// <summary>Arguments of a node's gobgpd: API on a unix socket only, no pprof listener (several daemons share the machine).</summary>
    public static string[] GobgpdArgs(string configPath, string socketPath) =>
        ["-f", configPath, "-t", "toml", "--api-hosts", "unix://" + socketPath, "--pprof-disable", "-p"];
}
