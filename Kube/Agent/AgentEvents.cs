using System.Net;
using k8s.Models;
using Purelb.Election;
using Purelb.Kube.Crd;

namespace Purelb.Kube.Agent;

/// <summary>
/// The Events a user can act on (agent.md §6.3 reasons), written through the <see cref="EventRecorder"/> and an
/// <see cref="EventThrottle"/> so a failover storm (hundreds of addresses moving at once) writes a bounded number.
/// Only state changes raise events: the controller is diff-based, so a resync that changes nothing is silent.
/// </summary>
public sealed class AgentEvents(EventRecorder recorder, EventThrottle throttle, string node)
{
    public const string Component = "purelb-lbnodeagent";

    public const string AnnouncingLocal = "AnnouncingLocal";
    public const string AnnouncementFailed = "AnnouncementFailed";
    public const string WithdrawnLocal = "WithdrawnLocal";
    public const string AnnounceSlotSteal = "AnnounceSlotSteal";
    public const string LocalOverride = "LocalOverride";
    public const string ConfigError = "ConfigError";
    public const string ConfigIgnored = "ConfigIgnored";
    public const string InvalidNodeSelector = "InvalidNodeSelector";

    public EventRecorder Recorder => recorder;

    public void Announcing(V1Service svc, IPAddress ip, string link)
    {
        var text = ElectionKey.Format(ip);
        Emit(svc, EventTypes.Normal, AnnouncingLocal, $"Node {node} announcing {text} on interface {link}", text);
        // A later failure or withdrawal of this address is news again.
        throttle.Reset(Key(svc, AnnouncementFailed, text));
        throttle.Reset(Key(svc, WithdrawnLocal, text));
    }

    public void Failed(V1Service svc, IPAddress ip, string link, string error)
    {
        var text = ElectionKey.Format(ip);
        Emit(svc, EventTypes.Warning, AnnouncementFailed, $"Node {node} could not announce {text} on interface {link}: {error}", text);
    }

    public void Withdrawn(V1Service svc, IPAddress ip, string why)
    {
        var text = ElectionKey.Format(ip);
        Emit(svc, EventTypes.Normal, WithdrawnLocal, $"Node {node} withdrew {text}: {why}", text);
        throttle.Reset(Key(svc, AnnouncingLocal, text));
    }

    public void SlotSteal(V1Service svc, IPAddress ip, string from) =>
        Emit(svc, EventTypes.Normal, AnnounceSlotSteal, $"Node {node} took announcement of {ElectionKey.Format(ip)} from node {from}");

    public void LocalPolicySwitched(V1Service svc) =>
        Emit(svc, EventTypes.Normal, LocalOverride,
            $"externalTrafficPolicy Local is not supported on local addresses without the {Annotations.AllowLocal} annotation; switched to Cluster");

    public void LocalPolicyKept(V1Service svc) =>
        Emit(svc, EventTypes.Normal, LocalOverride,
            $"{Annotations.AllowLocal} found: externalTrafficPolicy stays Local; traffic will not be forwarded between nodes, so only an announcing node with a ready endpoint serves");

    public void OnAgent(LBNodeAgent agent, string reason, string message)
    {
        var involved = EventRecorder.ReferenceTo(agent, CrdNames.ApiVersion, LBNodeAgent.KindName);
        if (throttle.Allow($"{involved.NamespaceProperty}/{involved.Name}|{reason}|{message}"))
            recorder.Record(involved, EventTypes.Warning, reason, $"Node {node}: {message}");
    }

    private void Emit(V1Service svc, string type, string reason, string message, string? what = null)
    {
        if (!throttle.Allow(Key(svc, reason, what ?? message))) return;
        recorder.Record(EventRecorder.ReferenceTo(svc), type, reason, message);
    }

    private static string Key(V1Service svc, string reason, string what) =>
        $"{svc.Metadata.NamespaceProperty}/{svc.Metadata.Name}|{reason}|{what}";
}
