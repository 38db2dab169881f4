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
        foreach (var ip in IngressAddresses(svc))
        {
            if (remote.Contains(ip)) continue;
            var where = LocalInterfaceResolver.Resolve(_config.Selector, _facts, ip);
            if (where.Kind != ResolutionKind.Local || where.Link is null) continue;
            var decision = _election.Decide(ip);
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
                    break;
                default:
                    if (decision.Outcome == ElectionOutcome.Lost)
                    {
                        _metrics.Losses.Inc();
                        _log.LogDebug("notWinner: {Service} {Ip} goes to {Winner}", key, decision.Key, decision.Winner);
                    }
                    break;
            }
        }
        var before = _announcedGauge.GetValueOrDefault(key) ?? [];
        var added = _announcer.Set(key, desired);
        foreach (var ip in added)
        {
            _metrics.Additions.Inc();
            var d = desired.First(x => x.Address.Equals(ip));
            _log.LogInformation("electionWon: {Service} {Ip} on {Link}", key, ElectionKey.Format(ip), d.LinkName);
        }
        foreach (var ip in before.Where(ip => !desired.Any(d => d.Address.Equals(ip))))
        {
            _log.LogInformation("withdrawAddress: {Service} {Ip}", key, ElectionKey.Format(ip));
        }
        UpdateGauge(key, desired.Where(d => _announcer.Holds(d.Address)).Select(d => d.Address));
        if (desired.Count > 0) await ClaimAnnouncingAsync(svc, desired, ct).ConfigureAwait(false);
    }

    private void UpdateGauge(string key, IEnumerable<IPAddress> now)
    {
        var current = now.ToHashSet();
        var before = _announcedGauge.GetValueOrDefault(key) ?? [];
        foreach (var ip in before.Where(ip => !current.Contains(ip))) _metrics.Announced.Remove(key, _settings.NodeName, ElectionKey.Format(ip));
        foreach (var ip in current) _metrics.Announced.Set(1, key, _settings.NodeName, ElectionKey.Format(ip));
        if (current.Count == 0) _announcedGauge.Remove(key);
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
