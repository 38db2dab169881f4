using k8s.Models;
using Purelb.Kube;
using Purelb.Modes.Observability;

namespace Purelb.Modes.Agent.Remote;

/// <summary>
/// What the remote path tells operators: a Warning <c>AnnouncementFailed</c> event on the Service when its address
/// cannot be put on the dummy interface or announced through gobgpd (the message names the interface or the daemon's
/// endpoint, agent.md §6.3), and metrics about the BGP side next to the §6.4 ones.
/// </summary>
public static class RemoteEvents
{
    public const string Component = "purelb-lbnodeagent";
    public const string AnnouncementFailed = "AnnouncementFailed";

    public static void Attach(RemoteAnnouncer remote, EventRecorder events, MetricRegistry registry, string nodeName)
    {
        var failures = registry.Counter("purelb_lbnodeagent_remote_announce_failures_total",
            "Remote addresses that could not be put on the dummy interface or announced through gobgpd.");
        remote.AnnouncementFailed += f =>
        {
            failures.Inc();
            events.Record(ServiceReference(f.ServiceKey), EventTypes.Warning, AnnouncementFailed, $"Node {nodeName}: {f.Message}");
        };
        if (remote.Bgp is not { } bgp) return;
        registry.AddCollector(() =>
        {
            var s = bgp.Status;
            return
            [
                ("purelb_lbnodeagent_bgp_enabled", "1 when remote addresses are announced through gobgpd's API (not netlink import).", "gauge", s.Enabled ? 1 : 0),
                ("purelb_lbnodeagent_bgp_ready", "1 while connected to gobgpd with BGP started.", "gauge", s.Ready ? 1 : 0),
                ("purelb_lbnodeagent_bgp_prefixes_desired", "Prefixes this node should announce.", "gauge", s.Desired),
                ("purelb_lbnodeagent_bgp_prefixes_announced", "Prefixes in gobgpd's RIB through this agent.", "gauge", s.Announced),
                ("purelb_lbnodeagent_bgp_sessions_total", "Connections to gobgpd that became ready (more than 1: the daemon restarted).", "counter", s.Sessions),
                ("purelb_lbnodeagent_bgp_imported_duplicates", "Announced prefixes gobgpd also imports from the kernel (both mechanisms on).", "gauge", s.ImportedDuplicates),
            ];
        });
    }

    private static V1ObjectReference ServiceReference(string key)
    {
        var slash = key.IndexOf('/');
        return new V1ObjectReference
        {
            ApiVersion = "v1",
            Kind = "Service",
            NamespaceProperty = slash < 0 ? null : key[..slash],
            Name = slash < 0 ? key : key[(slash + 1)..],
        };
    }
}
