using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Purelb.Election;
using Purelb.Kube.Crd;
using Purelb.Modes.Agent.Model;

namespace Purelb.Kube.Agent;

/// <summary>
/// The agent's control loop for local addresses: Lease, LBNodeAgent and Service informers feed one de-duplicating
/// queue worked by a single worker, which decides per ingress address whether this node announces it and hands
/// the result to the <see cref="IAddressAnnouncer"/>. Membership changes, our own lease health and kernel
/// changes re-queue everything they can affect.
/// </summary>
public sealed partial class AgentController
{
    private const string KernelItem = "!kernel";
    private const string ConfigItem = "!config";
    private static readonly TimeSpan IdleKernelCheck = TimeSpan.FromSeconds(30);

    private readonly Informer<V1Service> _services;
    private readonly Informer<V1Lease> _leases;
    private readonly Informer<LBNodeAgent> _agents;
    private readonly Informer<V1Node> _node;
    private readonly Elector _elector;
    private readonly MembershipTracker _tracker;
    private readonly IAddressAnnouncer _announcer;
    private readonly ServiceStatusWriter _writer;
    private readonly AgentMetrics _metrics;
    private readonly AgentSettings _settings;
    private readonly ILogger _log;
    private readonly WorkQueue<string> _queue;
    private readonly AddressElection _election;
    private readonly TakeoverGate _gate;
    private readonly WinnerChangeCounter _winners = new();
    // Arrays, not sets: one or two addresses per Service, kept for every Service this node announces.
    private readonly Dictionary<string, IPAddress[]> _announcedGauge = new(StringComparer.Ordinal);
    private readonly AgentEvents _events;
    private volatile IReadOnlyDictionary<string, string> _nodeLabels = new Dictionary<string, string>();
    private string _configSeen = "";
    private NodeAgentConfig _config = NodeAgentConfig.Default;
    private NodeNetworkFacts _facts = NodeNetworkFacts.Empty;
    private string _factsFingerprint = "";
    private volatile string _subnets = "";
    private volatile bool _synced;

    public AgentController(InformerFactory informers, KubeApiClient api, Elector elector, MembershipTracker tracker,
        IAddressAnnouncer announcer, AgentMetrics metrics, AgentSettings settings, ElectionTiming timing, TimeProvider time, ILoggerFactory loggers,
        Modes.Agent.Remote.RemoteAnnouncer? remote = null)
    {
        _remote = remote;
        _elector = elector;
        _tracker = tracker;
        _announcer = announcer;
        _metrics = metrics;
        _settings = settings;
        _log = loggers.CreateLogger("purelb.agent");
        _writer = new ServiceStatusWriter(api, loggers.CreateLogger("purelb.agent.writer"));
        _events = new AgentEvents(
            new EventRecorder(api, AgentEvents.Component, time, loggers.CreateLogger("purelb.agent.events"), host: settings.NodeName),
            new EventThrottle(time), settings.NodeName);
        _queue = new WorkQueue<string>(time, RateLimiters.DefaultController<string>(time));
        _election = new AddressElection(settings.NodeName, () => tracker.Current, () => elector.MayAnnounce);
        _gate = new TakeoverGate(time, timing.JoinHoldOff);
        // Every node caches every Service: only the fields the agent reads are kept (see ServiceProjection).
        _services = informers.For(KubeResources.TrimmedServices, resyncPeriod: TimeSpan.FromMinutes(10), transform: new ServiceProjection().Slim);
        _leases = informers.For(KubeResources.Leases, settings.InstallNamespace);
        _agents = informers.For(CrdResources.LBNodeAgents, settings.InstallNamespace);
        // Only this node, only its labels: a label change re-evaluates the LBNodeAgent nodeSelectors at once.
        _node = informers.For(KubeResources.Nodes, fieldSelector: $"metadata.name={settings.NodeName}",
            transform: NodeLabelsProjection.Slim);
        if (remote is not null)
        {
            _groups = informers.For(CrdResources.ServiceGroups, string.IsNullOrEmpty(settings.InstallNamespace) ? null : settings.InstallNamespace);
            _slices = informers.For(KubeResources.EndpointSlices);
        }
        RegisterHandlers();
        RegisterRemoteHandlers();
    }

    /// <summary>The recorder of the local path's events (announcing, withdrawn, failed, config).</summary>
    public EventRecorder EventRecorder => _events.Recorder;

    /// <summary>Caches synced and the first kernel pass done.</summary>
    public bool IsSynced => _synced;

    /// <summary>The current <c>purelb.io/subnets</c> value for our Lease.</summary>
    public string Subnets => _subnets;

    private string OwnLeaseName => LeaseContract.LeaseName(_settings.NodeName);

    private void RegisterHandlers()
    {
        _services.AddHandler(new ResourceEventHandler<V1Service>(
            onAdd: (svc, _) => _queue.Add(KubeObjects.Key(svc.Metadata.NamespaceProperty, svc.Metadata.Name)),
            onUpdate: (_, svc) => _queue.Add(KubeObjects.Key(svc.Metadata.NamespaceProperty, svc.Metadata.Name)),
            onDelete: deleted => _queue.Add(deleted.Key)));
        _leases.AddHandler(new ResourceEventHandler<V1Lease>(
            onAdd: (lease, _) => _tracker.Observe(KubeLeaseStore.FromV1Lease(lease)),
            onUpdate: (_, lease) => _tracker.Observe(KubeLeaseStore.FromV1Lease(lease)),
            onDelete: deleted =>
            {
                var name = deleted.LastKnown.Metadata.Name;
                if (name == OwnLeaseName) _elector.OnOwnLeaseDeleted();
                _tracker.Remove(name);
            }));
        _agents.AddHandler(new ResourceEventHandler<LBNodeAgent>(
            onAdd: (_, _) => _queue.Add(ConfigItem),
            onUpdate: (_, _) => _queue.Add(ConfigItem),
            onDelete: _ => _queue.Add(ConfigItem)));
        _node.AddHandler(new ResourceEventHandler<V1Node>(
            onAdd: (node, _) => OnNodeLabels(node.Metadata?.Labels),
            onUpdate: (_, node) => OnNodeLabels(node.Metadata?.Labels),
            onDelete: _ => OnNodeLabels(null)));
        _tracker.Changed += _ => EnqueueAllServices();
        _elector.StateChanged += OnElectorState;
        _announcer.KernelChanged += () => _queue.Add(KernelItem);
    }

    /// <summary>Node updates are mostly status; only a change of labels is worth re-reading the configuration.</summary>
    private void OnNodeLabels(IDictionary<string, string>? labels)
    {
        if (!NodeLabelsProjection.SameLabels(labels, _nodeLabels)) _queue.Add(ConfigItem);
    }

    private void OnElectorState(ElectorState state)
    {
        if (state is ElectorState.Fenced or ElectorState.Stopping or ElectorState.Stopped)
        {
            // Must finish within the withdraw allowance: straight to the kernel, not through the queue.
            _announcer.WithdrawAll();
            _log.LogInformation("withdrawAddress: all local addresses withdrawn ({State})", state);
        }
        EnqueueAllServices();
    }

    private void EnqueueAllServices()
    {
        foreach (var key in _services.Cache.Keys()) _queue.Add(key);
    }

    /// <summary>Waits for the caches, cleans up the kernel, then works the queue until cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        await Task.WhenAll(_services.WaitForSyncAsync(ct), _leases.WaitForSyncAsync(ct), _agents.WaitForSyncAsync(ct),
            _node.WaitForSyncAsync(ct), WaitForRemoteSyncAsync(ct)).ConfigureAwait(false);
        _ = _events.Recorder.RunAsync(ct);
        LoadConfig();
        RefreshFacts();
        StartRemote(ct);
        _tracker.Replace(_leases.Cache.List().Select(KubeLeaseStore.FromV1Lease));
        KernelPass();
        _synced = true;
        _log.LogInformation("synced: {Services} Services, {Leases} leases, selector {Selector}, subnets {Subnets}",
            _services.Cache.Count, _leases.Cache.Count, _config.State, _subnets);
        EnqueueAllServices();
        using var stop = ct.Register(_queue.ShutDown);
        while (true)
        {
            var (ok, item) = await _queue.GetAsync(ct).ConfigureAwait(false);
            if (!ok) return;
            try
            {
                await ProcessAsync(item, ct).ConfigureAwait(false);
                _queue.Forget(item);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _metrics.UpdateErrors.Inc();
                var retries = _queue.NumRequeues(item);
                _log.Log(retries < 3 ? LogLevel.Debug : LogLevel.Warning, "{Item}: {Error} (retry {Retry})", item, e.Message, retries + 1);
                _queue.AddRateLimited(item);
            }
            finally
            {
                if (!item.StartsWith('!')) _metrics.Updates.Inc();
                _queue.Done(item);
            }
        }
    }

    private async Task ProcessAsync(string item, CancellationToken ct)
    {
        switch (item)
        {
            case KernelItem:
                if (RefreshFacts()) EnqueueAllServices();
                KernelPass();
                return;
            case ConfigItem:
                LoadConfig();
                RefreshFacts();
                EnqueueAllServices();
                return;
            default:
                await SyncServiceAsync(item, ct).ConfigureAwait(false);
                return;
        }
    }

    /// <summary>This Node's labels for the LBNodeAgent nodeSelectors, from the watch on this Node (none if it is missing).</summary>
    private void ReadNodeLabels()
    {
        var node = _node.Cache.Get(null, _settings.NodeName);
        _nodeLabels = node?.Metadata?.Labels is { } labels ? new Dictionary<string, string>(labels, StringComparer.Ordinal) : new Dictionary<string, string>();
    }

    private void LoadConfig()
    {
        LoadPools();
        ReadNodeLabels();
        _config = NodeAgentConfig.From(_agents.Cache.List(), _nodeLabels);
        var seen = _config.Describe();
        if (seen != _configSeen)
        {
            _configSeen = seen;
            _log.LogInformation("config: {Config}", seen);
            if (_config.Error is { } error)
            {
                _log.LogWarning("LBNodeAgent rejected: {Error}", error);
                if (_config.Effective is { } bad) _events.OnAgent(bad, AgentEvents.ConfigError, $"rejected, this node announces nothing: {error}");
            }
            foreach (var ignored in _config.Ignored)
                _events.OnAgent(ignored, AgentEvents.ConfigIgnored, $"matches this node but {_config.Effective?.Metadata.Name} takes precedence");
            foreach (var (agent, problem) in _config.InvalidSelectors)
                _events.OnAgent(agent, AgentEvents.InvalidNodeSelector, $"nodeSelector matches no node: {problem}");
        }
        foreach (var state in new[] { "default", "configured", "deselected", "invalid" })
            _metrics.SelectorState.Set(state == _config.State ? 1 : 0, state);
        _metrics.ConfigLoaded.Set(1);
        _announcer.Configure(_config.Gratuitous);
    }

    /// <summary>Re-reads the host's network; returns true when anything the decisions depend on changed.</summary>
    private bool RefreshFacts()
    {
        _facts = _announcer.ReadFacts();
        var subnets = AdvertisedSubnets.Annotation(_config.Selector, _facts);
        if (subnets != _subnets)
        {
            _log.LogInformation("subnetsChanged: {Old} -> {New}", _subnets, subnets);
            _subnets = subnets;
            _elector.RenewSoon();
        }
        var fingerprint = string.Join(';', _facts.Links.Select(l => $"{l.Index}:{l.Name}:{l.IsUp}")) + "|" + subnets;
        bool changed = fingerprint != _factsFingerprint;
        _factsFingerprint = fingerprint;
        return changed;
    }

    private void KernelPass()
    {
        var next = _announcer.Reconcile(KnownVips());
        _queue.AddAfter(KernelItem, next is { } n && n < IdleKernelCheck ? n : IdleKernelCheck);
    }

    private HashSet<IPAddress> KnownVips()
    {
        var vips = new HashSet<IPAddress>();
        foreach (var svc in _services.Cache.List())
        {
            if (IsBranded(svc)) vips.UnionWith(IngressAddresses(svc));
        }
        return vips;
    }
}
