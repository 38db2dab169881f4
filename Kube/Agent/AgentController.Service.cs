using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Purelb.Election;
using Purelb.Modes.Agent.Model;

namespace Purelb.Kube.Agent;

public sealed partial class AgentController
{
    /// <summary>Ours: a LoadBalancer Service the allocator (ours) gave addresses to.</summary>
    private static bool IsBranded(V1Service svc) =>
        svc.Spec?.Type == "LoadBalancer" && svc.Metadata.Annotation(Annotations.AllocatedBy) == Annotations.AllocatedByValue;

    private static IEnumerable<IPAddress> IngressAddresses(V1Service svc)
    {
        foreach (var ingress in svc.Status?.LoadBalancer?.Ingress ?? [])
        {
            if (IpText.TryParseAddress(ingress.Ip, out var ip)) yield return ElectionKey.Normalize(ip);
        }
    }

    private async Task SyncServiceAsync(string key, CancellationToken ct)
    {
        var svc = _services.Cache.Get(key);
        var remote = SyncRemote(key, svc);
        if (svc is null || !IsBranded(svc))
        {
            _announcer.Remove(key);
            UpdateGauge(key, []);
            return;
        }
        var desired = new List<DesiredLocalAddress>();
        bool skipDad = svc.Metadata.Annotation(Annotations.SkipIpv6Dad) == Annotations.TrueValue;
        var membership = _tracker.Current;
        var preferred = PreferredNodes(svc);
        var policy = LocalTrafficPolicy.For(svc);
        var why = new Dictionary<IPAddress, string>();
        foreach (var ip in IngressAddresses(svc))
        {
            if (remote.Contains(ip)) continue;
            var where = LocalInterfaceResolver.Resolve(_config.Selector, _facts, ip);
            if (where.Kind != ResolutionKind.Local || where.Link is null) continue;
            var decision = _election.Decide(ip, preferred);
            if (decision.AffinityFellBack) _metrics.AffinityFallbacks.Inc(decision.Key);
            if (decision.Outcome is ElectionOutcome.Won or ElectionOutcome.Lost && _winners.Observe(decision.Key, decision.Winner))
            {
                _metrics.WinnerChanges.Inc(decision.Key);
            }
            var verdict = _gate.Evaluate(decision, membership);
            switch (verdict.Action)
            {
                case TakeoverAction.Announce:
                    _metrics.Wins.Inc();
                    desired.Add(new DesiredLocalAddress(ip, where.Link.Index, where.Link.Name, where.PrefixLength,
                        _config.OptionsFor(ip.AddressFamily, skipDad)));
                    break;
                case TakeoverAction.Hold:
                    _log.LogDebug("{Service}: {Ip} won from live node, holding {Delay}", key, decision.Key, verdict.RetryIn);
                    _queue.AddAfter(key, verdict.RetryIn ?? TimeSpan.FromMilliseconds(100));
                    why[ip] = "";
                    break;
                default:
                    if (decision.Outcome == ElectionOutcome.Lost)
                    {
                        _metrics.Losses.Inc();
                        _log.LogDebug("notWinner: {Service} {Ip} goes to {Winner}", key, decision.Key, decision.Winner);
                        why[ip] = $"lostElection: node {decision.Winner} announces it";
                    }
                    else if (decision.Outcome == ElectionOutcome.NoEligibleNodes)
                    {
                        why[ip] = "noEligibleNodes: no live node advertises its subnet";
                    }
                    else
                    {
                        why[ip] = ""; // not ready or fenced: the elector's state change says it, not one event per address
                    }
                    break;
            }
        }
        var before = _announcedGauge.GetValueOrDefault(key) ?? [];
        var result = _announcer.Set(key, desired);
        foreach (var ip in result.Added)
        {
            _metrics.Additions.Inc();
            var d = desired.First(x => x.Address.Equals(ip));
            _log.LogInformation("electionWon: {Service} {Ip} on {Link}", key, ElectionKey.Format(ip), d.LinkName);
            _events.Announcing(svc, ip, d.LinkName);
        }
        foreach (var (ip, error) in result.Failed)
        {
            var d = desired.First(x => x.Address.Equals(ip));
            _log.LogWarning("announcementFailed: {Service} {Ip} on {Link}: {Error}", key, ElectionKey.Format(ip), d.LinkName, error);
            _events.Failed(svc, ip, d.LinkName, error);
        }
        foreach (var ip in before.Where(ip => !desired.Any(d => d.Address.Equals(ip))))
        {
            var reason = why.GetValueOrDefault(ip) ?? "no longer an address of the Service on a selected interface of this node";
            _log.LogInformation("withdrawAddress: {Service} {Ip} ({Reason})", key, ElectionKey.Format(ip), reason.Length == 0 ? "not ready" : reason);
            if (reason.Length > 0) _events.Withdrawn(svc, ip, reason);
        }
        var held = desired.Where(d => _announcer.Holds(d.Address)).ToList();
        UpdateGauge(key, held.Select(d => d.Address));
        if (held.Count > 0) await ClaimAnnouncingAsync(svc, held, ct).ConfigureAwait(false);
        if (held.Count > 0 && policy != TrafficPolicyOnLocal.Cluster) await ApplyLocalPolicyAsync(svc, policy, result.Added.Count > 0, ct).ConfigureAwait(false);
    }

    /// <summary>Nodes preferred by <c>purelb.io/node-affinity: service-endpoints</c> (agent.md §2.6); null when not opted in.</summary>
    private IReadOnlyList<string>? PreferredNodes(V1Service svc)
    {
        var annotations = svc.Metadata.Annotations is null ? null : new Dictionary<string, string>(svc.Metadata.Annotations, StringComparer.Ordinal);
        if (!NodeAffinity.IsRequested(annotations)) return null;
        var ns = svc.Metadata.NamespaceProperty ?? "";
        var endpoints = (_slices?.Cache.List() ?? [])
            .Where(s => EndpointReadiness.BelongsTo(s, ns, svc.Metadata.Name))
            .SelectMany(s => s.Endpoints ?? [])
            .Select(e => new EndpointPresence(e.NodeName, e.Conditions?.Ready, e.Conditions?.Serving, e.Conditions?.Terminating));
        return NodeAffinity.Preferred(annotations, endpoints);
    }

    /// <summary>
    /// externalTrafficPolicy Local on a local address (agent.md §3.3): the announcing node switches the Service to
    /// Cluster unless <c>purelb.io/allow-local</c> is present, and says so in a LocalOverride event either way. Only
    /// the winner writes, so the nodes do not race each other for the same update.
    /// </summary>
    private async Task ApplyLocalPolicyAsync(V1Service svc, TrafficPolicyOnLocal policy, bool justTaken, CancellationToken ct)
    {
        if (policy == TrafficPolicyOnLocal.LocalAllowed)
        {
            if (justTaken) _events.LocalPolicyKept(svc);
            return;
        }
        // The cached Service is trimmed (ServiceProjection): the PUT starts from the stored object.
        var (_, changed) = await _writer.UpdateFromServerAsync(svc.Metadata.NamespaceProperty, svc.Metadata.Name, copy =>
        {
            if (LocalTrafficPolicy.For(copy) != TrafficPolicyOnLocal.LocalToSwitch) return false;
            copy.Spec.ExternalTrafficPolicy = LocalTrafficPolicy.ClusterValue;
            // Only a Local LoadBalancer Service may carry a health-check node port.
            copy.Spec.HealthCheckNodePort = null;
            return true;
        }, ct).ConfigureAwait(false);
        if (changed)
        {
            _log.LogInformation("localOverride: {Ns}/{Name} externalTrafficPolicy Local -> Cluster", svc.Metadata.NamespaceProperty, svc.Metadata.Name);
            _events.LocalPolicySwitched(svc);
        }
    }

    private void UpdateGauge(string key, IEnumerable<IPAddress> now)
    {
        var current = now.Distinct().ToArray();
        var before = _announcedGauge.GetValueOrDefault(key) ?? [];
        foreach (var ip in before.Where(ip => !current.Contains(ip))) _metrics.Announced.Remove(key, _settings.NodeName, ElectionKey.Format(ip));
        foreach (var ip in current) _metrics.Announced.Set(1, key, _settings.NodeName, ElectionKey.Format(ip));
        if (current.Length == 0) _announcedGauge.Remove(key);
        else _announcedGauge[key] = current;
    }

    /// <summary>Writes our entries into the announcing annotations (agent.md §6.2), only when the text changes.</summary>
    private async Task ClaimAnnouncingAsync(V1Service svc, IReadOnlyList<DesiredLocalAddress> won, CancellationToken ct)
    {
        var ingress = IngressAddresses(svc).ToHashSet();
        var patch = new Dictionary<string, string?>();
        foreach (var family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            var mine = won.Where(d => d.Address.AddressFamily == family).ToList();
            if (mine.Count == 0) continue;
            var annotationKey = AnnouncingAnnotation.KeyFor(family);
            var existing = svc.Metadata.Annotation(annotationKey);
            var entries = AnnouncingAnnotation.Parse(existing).Where(e => ingress.Contains(e.Address)).ToList();
            foreach (var d in mine)
            {
                foreach (var other in entries.Where(e => e.Address.Equals(d.Address) && e.Node != _settings.NodeName))
                {
                    _metrics.SlotSteals.Inc(other.Node, _settings.NodeName);
                    _events.SlotSteal(svc, d.Address, other.Node);
                }
                entries.RemoveAll(e => e.Address.Equals(d.Address));
                entries.Add(new AnnouncingEntry(_settings.NodeName, d.LinkName, d.Address));
            }
            var text = AnnouncingAnnotation.Encode(entries);
            if (text != existing) patch[annotationKey] = text;
        }
        if (patch.Count == 0) return;
        await _writer.PatchAnnotationsAsync(svc.Metadata.NamespaceProperty, svc.Metadata.Name, patch, ct).ConfigureAwait(false);
    }
}
