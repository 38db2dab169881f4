using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Purelb.Election;
using Purelb.Ipam;
using Purelb.Kube.Crd;
using Purelb.Modes.Agent.Model;
using Purelb.Modes.Agent.Remote;

namespace Purelb.Kube.Agent;

/// <summary>
/// Remote addresses (agent.md §4): an ingress address that is not local to a selected interface and lies in a
/// remote ServiceGroup pool (or comes from an external group announced remotely) goes on the dummy interface on
/// every node, or, for externalTrafficPolicy Local, only on nodes with a healthy endpoint. No election; the
/// <see cref="RemoteAnnouncer"/> refcounts and hands the prefixes to BGP.
/// </summary>
public sealed partial class AgentController
{
    private readonly RemoteAnnouncer? _remote;
    private readonly Informer<ServiceGroup>? _groups;
    private readonly Informer<V1EndpointSlice>? _slices;
    private IpamConfig _pools = IpamConfig.Empty;
    private readonly Dictionary<string, IPAddress[]> _remoteGauge = new(StringComparer.Ordinal);
    private string _remoteProblems = "";

    private void RegisterRemoteHandlers()
    {
        _groups?.AddHandler(new ResourceEventHandler<ServiceGroup>(
            onAdd: (_, _) => _queue.Add(ConfigItem),
            onUpdate: (_, _) => _queue.Add(ConfigItem),
            onDelete: _ => _queue.Add(ConfigItem)));
        _slices?.AddHandler(new ResourceEventHandler<V1EndpointSlice>(
            onAdd: (slice, _) => EnqueueOwner(slice),
            onUpdate: (_, slice) => EnqueueOwner(slice),
            onDelete: deleted => EnqueueOwner(deleted.LastKnown)));
    }

    private void EnqueueOwner(V1EndpointSlice? slice)
    {
        if (slice is not null && EndpointReadiness.ServiceKeyOf(slice) is { } key) _queue.Add(key);
    }

    private Task WaitForRemoteSyncAsync(CancellationToken ct) =>
        _remote is null ? Task.CompletedTask : Task.WhenAll(_groups!.WaitForSyncAsync(ct), _slices!.WaitForSyncAsync(ct));

    private void LoadPools()
    {
        if (_groups is null) return;
        ConfigureRemote();
        var groups = _groups.Cache.List()
            .OrderBy(g => g.Metadata.NamespaceProperty, StringComparer.Ordinal)
            .ThenBy(g => g.Metadata.Name, StringComparer.Ordinal)
            .Select(ServiceGroupTranslator.ToConfig);
        _pools = IpamConfig.Build(groups, new IpamConfigOptions(_settings.InstallNamespace));
    }

    /// <summary>LBNodeAgent settings for the remote path (dummy interface, its address options, how BGP is reached),
    /// from the same object <see cref="NodeAgentConfig.From"/> reads, over the agent's flags.</summary>
    private void ConfigureRemote()
    {
        var remote = _remote!;
        var local = NodeAgentConfig.From(_agents.Cache.List(), _nodeLabels).Effective?.Spec?.Local;
        var settings = RemoteSettings.From(local, remote.Defaults, remote.Bgp?.Defaults ?? new Purelb.Bgp.BgpAnnouncerOptions());
        var problems = string.Join("; ", settings.Problems);
        if (problems != _remoteProblems && problems.Length > 0) _log.LogWarning("LBNodeAgent remote settings partly ignored: {Problems}", problems);
        _remoteProblems = problems;
        remote.Configure(settings.Remote);
        remote.Bgp?.Configure(settings.Bgp);
    }

    /// <summary>Loads every Service's remote addresses, then starts the announcer, whose first pass removes whatever
    /// else is on the dummy interface (a predecessor's leftovers) without a gap for the addresses still wanted.</summary>
    private void StartRemote(CancellationToken ct)
    {
        if (_remote is null) return;
        foreach (var svc in _services.Cache.List())
        {
            var key = KubeObjects.Key(svc.Metadata.NamespaceProperty, svc.Metadata.Name);
            if (IsBranded(svc)) SyncRemote(key, svc);
        }
        var remote = _remote;
        _ = Task.Run(async () =>
        {
            try
            {
                await remote.RunAsync(ct).ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                _log.LogError("remote announcer stopped: {Error}", e.Message);
            }
        }, CancellationToken.None);
    }

    /// <summary>Brings the Service's remote addresses in line; returns the ingress addresses handled as remote.</summary>
    private HashSet<IPAddress> SyncRemote(string key, V1Service? svc)
    {
        var handled = new HashSet<IPAddress>();
        if (_remote is null) return handled;
        if (svc is null || !IsBranded(svc))
        {
            _remote.Remove(key);
            UpdateRemoteGauge(key, []);
            return handled;
        }
        var from = svc.Metadata.Annotation(Annotations.AllocatedFrom);
        var wanted = new List<RemoteAddress>();
        foreach (var ip in IngressAddresses(svc))
        {
            if (LocalInterfaceResolver.Resolve(_config.Selector, _facts, ip).Kind == ResolutionKind.Local) continue;
            if (RemotePoolResolver.Resolve(_pools, ip, from, out var remote) != RemoteResolution.Remote) continue;
            handled.Add(ip);
            wanted.Add(remote);
        }
        if (wanted.Count == 0)
        {
            _remote.Remove(key);
            UpdateRemoteGauge(key, []);
            return handled;
        }
        var ns = svc.Metadata.NamespaceProperty ?? "";
        // A node no LBNodeAgent selects (or whose selector is unusable) announces nothing, remote included.
        bool announce = _config.Announces && EndpointReadiness.ShouldAnnounce(svc,
            _slices!.Cache.List().Where(s => EndpointReadiness.BelongsTo(s, ns, svc.Metadata.Name)), _settings.NodeName);
        var before = _remote.PrefixesOf(key);
        _remote.Set(key, announce ? wanted : []);
        var after = _remote.PrefixesOf(key);
        UpdateRemoteGauge(key, announce ? wanted.Select(w => w.Address) : []);
        if (!before.SequenceEqual(after))
        {
            if (after.Count > 0) _log.LogInformation("announcingNonLocal: {Service} {Addresses} on {Link}", key, string.Join(",", wanted), _remote.LinkName);
            else _log.LogInformation("withdrawAddress: {Service} remote {Reason}", key, announce ? "released" : "noEndpoints");
        }
        return handled;
    }

    /// <summary>agent.md §6.4 for remote addresses: <c>announced{service,node,ip}</c> while held, additions and
    /// withdrawals counted per change (not per reconcile).</summary>
    private void UpdateRemoteGauge(string key, IEnumerable<IPAddress> now)
    {
        var current = now.Distinct().ToArray();
        var before = _remoteGauge.GetValueOrDefault(key) ?? [];
        foreach (var ip in before.Where(ip => !current.Contains(ip)))
        {
            _metrics.Announced.Remove(key, _settings.NodeName, ElectionKey.Format(ip));
            _metrics.Withdrawals.Inc();
        }
        foreach (var ip in current)
        {
            if (!before.Contains(ip)) _metrics.Additions.Inc();
            _metrics.Announced.Set(1, key, _settings.NodeName, ElectionKey.Format(ip));
        }
        if (current.Length == 0) _remoteGauge.Remove(key);
        else _remoteGauge[key] = current;
    }
}
