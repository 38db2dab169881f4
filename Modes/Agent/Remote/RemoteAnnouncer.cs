using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Purelb.Bgp;
using Purelb.Election;
using Purelb.Modes.Agent.Model;
using Purelb.Netlink;
using Purelb.Netlink.Interop;
using AddressInfo = Purelb.Netlink.Route.AddressInfo;
using LinkInfo = Purelb.Netlink.Route.LinkInfo;
using NlAddressFlags = Purelb.Netlink.Route.AddressFlags;
using NlAddressOptions = Purelb.Netlink.Route.AddressOptions;

namespace Purelb.Modes.Agent.Remote;

/// <summary>
/// Holds this node's remote addresses on the dummy interface (agent.md §4) and, when given a
/// <see cref="BgpAnnouncer"/>, hands it each Service's masked prefixes (bgp-mode grpc). The dummy link is created
/// when missing (kernels without the dummy type get a logged error and a retry; a link of that name made by
/// someone else is used as it is), brought up and kept up. The interface holds exactly the desired addresses:
/// anything else on it is removed, at start-up (a predecessor's leftovers) and whenever it appears; a desired
/// address removed by hand is put back as soon as the kernel reports it. Kernel work is serialised under one lock;
/// <see cref="Set"/> and <see cref="Remove"/> apply at once once <see cref="RunAsync"/> has started.
/// </summary>
public sealed class RemoteAnnouncer
{
    private readonly RtNetlink _rt;
    private RemoteAnnouncerOptions _options;
    private readonly BgpAnnouncer? _bgp;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly RemoteAddressBook _book = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private bool _started;
    private int _linkIndex;
    private string? _linkError;
    private volatile RemoteAnnouncerStatus _status = new(false, 0, 0, null);
    private volatile bool _nextHopDirty = true;
    private IPAddress? _ipv6NextHop;

    public RemoteAnnouncer(RtNetlink rt, RemoteAnnouncerOptions? options = null, BgpAnnouncer? bgp = null, ILogger? log = null,
        TimeProvider? time = null)
    {
        _rt = rt;
        _options = options ?? new RemoteAnnouncerOptions();
        Defaults = _options;
        _bgp = bgp;
        _log = log ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        if (_bgp is not null) _bgp.AnnounceFailed += OnBgpFailure;
    }

    /// <summary>The options it was built with (the agent's flags): what LBNodeAgent settings apply over.</summary>
    public RemoteAnnouncerOptions Defaults { get; }

    /// <summary>The BGP side, if any (null: kube-lb0 only).</summary>
    public BgpAnnouncer? Bgp => _bgp;

    public string LinkName
    {
        get
        {
            lock (_lock) return _options.LinkName;
        }
    }

    public RemoteAnnouncerOptions Options
    {
        get
        {
            lock (_lock) return _options;
        }
    }

    /// <summary>The IPv6 next hop handed to BGP now (the configured one, or the node's global IPv6 address).</summary>
    public IPAddress? Ipv6NextHop
    {
        get
        {
            lock (_lock) return _ipv6NextHop;
        }
    }

    /// <summary>A Service's addresses could not be announced (kube-lb0 or BGP); the message names the interface or
    /// the gobgpd endpoint. Raised on the thread that noticed it; handlers must not block.</summary>
    public event Action<RemoteAnnounceFailure>? AnnouncementFailed;

    /// <summary>
    /// Applies LBNodeAgent settings (interface name, address options, IPv6 next hop). Moving to another interface takes
    /// our addresses off the old one (the old link itself stays: upstream never deletes it on a config change) and
    /// puts them on the new one in the same pass.
    /// </summary>
    public void Configure(RemoteAnnouncerOptions options)
    {
        lock (_lock)
        {
            var old = _options;
            if (old == options) return;
            _options = options;
            if (old.LinkName != options.LinkName)
            {
                _log.LogInformation("remote addresses move from {Old} to {New}", old.LinkName, options.LinkName);
                if (_started) EmptyLinkLocked(old.LinkName);
                Volatile.Write(ref _linkIndex, 0);
            }
            else if (old.AddressOptions.NoPrefixRoute != options.AddressOptions.NoPrefixRoute && _started)
            {
                // The kernel does not add or drop an IPv4 address's prefix route when only the flag is replaced:
                // the addresses are added again (a moment without them; BGP paths through the API are unaffected).
                _log.LogInformation("remote addresses on {Link} re-added with noprefixroute={Flag}", options.LinkName, options.AddressOptions.NoPrefixRoute);
                EmptyLinkLocked(old.LinkName);
            }
            _nextHopDirty = true;
            if (_started) ApplyLocked(renew: !Equals(old.AddressOptions, options.AddressOptions));
            else RefreshNextHopLocked();
        }
    }

    private void EmptyLinkLocked(string name)
    {
        try
        {
            if (_rt.Links.TryGetByName(name) is not { } link) return;
            foreach (var a in Observe(link.Index))
            {
                try
                {
                    _rt.Addresses.Delete(link.Index, a.Address, a.PrefixLength);
                }
                catch (NetlinkException)
                {
                    // Gone already.
                }
            }
        }
        catch (NetlinkException e)
        {
            _log.LogWarning("cannot empty {Link}: {Error}", name, e.Message);
        }
    }

    /// <summary>Re-reads the node's global IPv6 address (unless one is configured) and hands a change to BGP.</summary>
    private void RefreshNextHopLocked()
    {
        if (_bgp is null) return;
        _nextHopDirty = false;
        IPAddress? found;
        try
        {
            found = _options.Ipv6NextHop ?? NodeIpv6Address.Find(_rt, _options.LinkName);
        }
        catch (NetlinkException e)
        {
            _log.LogWarning("cannot read the node's IPv6 addresses: {Error}", e.Message);
            _nextHopDirty = true;
            return;
        }
        if (Equals(found, _ipv6NextHop) && Equals(found, _bgp.Ipv6NextHop)) return;
        _ipv6NextHop = found;
        _bgp.SetIpv6NextHop(found);
        _log.LogInformation("IPv6 next hop for BGP: {NextHop}", found?.ToString() ?? "none (IPv6 remote prefixes wait for a global IPv6 address)");
    }

    private void OnBgpFailure(BgpAnnounceFailure failure)
    {
        List<string> services;
        lock (_lock) services = _book.Services.Where(k => _book.PrefixesOf(k).Any(failure.Prefixes.Contains)).ToList();
        foreach (var key in services) Raise(new RemoteAnnounceFailure(key, failure.Message));
    }

    private void Raise(RemoteAnnounceFailure failure)
    {
        try
        {
            AnnouncementFailed?.Invoke(failure);
        }
        catch (Exception e)
        {
            _log.LogError(e, "announcement-failure handler failed");
        }
    }

    public RemoteAnnouncerStatus Status => _status;

    /// <summary>Raised after each pass that changed the interface (tests and metrics).</summary>
    public event Action? Applied;

    /// <summary>Replaces the remote addresses <paramref name="serviceKey"/> needs on this node.</summary>
    public void Set(string serviceKey, IEnumerable<RemoteAddress> addresses)
    {
        lock (_lock)
        {
            var change = _book.Set(serviceKey, addresses);
            _bgp?.Set(serviceKey, _book.PrefixesOf(serviceKey));
            if (!change.IsEmpty && _started) ApplyLocked(renew: false);
        }
    }

    public void Remove(string serviceKey) => Set(serviceKey, []);

    /// <summary>Releases every Service (shutdown, deselection): the interface is emptied, BGP withdrawn.</summary>
    public void WithdrawAll()
    {
        lock (_lock)
        {
            foreach (var key in _book.Services.ToArray())
            {
                _book.Remove(key);
                _bgp?.Remove(key);
            }
            if (_started) ApplyLocked(renew: false);
        }
    }

    /// <summary>True when <paramref name="address"/> is desired (whether or not the kernel has it yet).</summary>
    public bool Wants(RemoteAddress address)
    {
        lock (_lock) return _book.Contains(address);
    }

    public IReadOnlyList<RemoteAddress> Desired
    {
        get
        {
            lock (_lock) return _book.Desired.ToArray();
        }
    }

    public IReadOnlyList<IPNetwork> PrefixesOf(string serviceKey)
    {
        lock (_lock) return _book.PrefixesOf(serviceKey);
    }

    /// <summary>Asks the loop for a full pass soon (e.g. configuration changed).</summary>
    public void Poke()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already pending.
            }
        }
    }

    /// <summary>
    /// Watches the kernel and keeps the interface right until cancelled. Call it once the initial desired set is
    /// loaded: its first pass removes whatever else is on the interface.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var monitor = NetlinkMonitor.Open(Options.Namespace);
        monitor.Start();
        var events = monitor.Events;
        bool ok;
        lock (_lock)
        {
            _started = true;
            RefreshNextHopLocked();
            ok = ApplyLocked(renew: false);
        }
        var renewEvery = Options.AddressOptions.RenewInterval;
        var nextRenewal = renewEvery is { } r ? _time.GetUtcNow() + r : DateTimeOffset.MaxValue;
        while (!cancellationToken.IsCancellationRequested)
        {
            var options = Options;
            if (options.AddressOptions.RenewInterval != renewEvery)
            {
                renewEvery = options.AddressOptions.RenewInterval;
                nextRenewal = renewEvery is { } e ? _time.GetUtcNow() + e : DateTimeOffset.MaxValue;
            }
            var wait = ok ? options.ResyncInterval : options.RetryDelay;
            var untilRenewal = nextRenewal - _time.GetUtcNow();
            if (untilRenewal < wait) wait = untilRenewal < TimeSpan.Zero ? TimeSpan.Zero : untilRenewal;
            bool relevant = await WaitAsync(events, wait, cancellationToken).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested) break;
            bool renew = _time.GetUtcNow() >= nextRenewal;
            if (renew && renewEvery is { } every) nextRenewal = _time.GetUtcNow() + every;
            if (_nextHopDirty || wait == options.ResyncInterval)
            {
                lock (_lock) RefreshNextHopLocked();
            }
            if (!relevant && !renew && ok && wait != options.ResyncInterval) continue;
            lock (_lock) ok = ApplyLocked(renew);
        }
    }

    /// <summary>Waits for a kernel event concerning our link, a poke, or the timeout; drains what is queued.</summary>
    private async Task<bool> WaitAsync(System.Threading.Channels.ChannelReader<NetlinkEvent> events, TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var poke = _wake.WaitAsync(cts.Token);
        try
        {
            while (true)
            {
                if (Drain(events)) return true;
                var readable = events.WaitToReadAsync(cts.Token).AsTask();
                var done = await Task.WhenAny(readable, poke).ConfigureAwait(false);
                if (done == poke)
                {
                    await poke.ConfigureAwait(false);
                    return true;
                }
                if (!await readable.ConfigureAwait(false)) throw new NetlinkException("netlink monitor closed", Errno.None);
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            cts.Cancel();
            try
            {
                await poke.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private bool Drain(System.Threading.Channels.ChannelReader<NetlinkEvent> events)
    {
        bool relevant = false;
        int index = Volatile.Read(ref _linkIndex);
        var name = LinkName;
        while (events.TryRead(out var e))
        {
            // The node's own IPv6 addresses (the BGP next hop) live on other links.
            if (e is AddressEvent { Address.Address.AddressFamily: AddressFamily.InterNetworkV6 } v6 && v6.Address.InterfaceIndex != index
                || e is ResyncNeeded)
                _nextHopDirty = true;
            relevant |= e switch
            {
                LinkEvent l => l.Link.Name == name || l.Link.Index == index,
                AddressEvent a => a.Address.InterfaceIndex == index || index == 0,
                ResyncNeeded => true,
                _ => false,
            };
        }
        if (_nextHopDirty && _bgp is not null) relevant = true;
        return relevant;
    }

    /// <summary>Runs one pass now (tests, and callers that want the result synchronously).</summary>
    public bool ReconcileNow()
    {
        lock (_lock) return ApplyLocked(renew: false);
    }

    private bool ApplyLocked(bool renew)
    {
        var link = EnsureLinkLocked();
        if (link is null)
        {
            Report(false, error: _linkError);
            return false;
        }
        bool ok = true, changed = false;
        string? problem = null;
        var desired = _book.Desired.ToHashSet();

        var present = Observe(link.Index);
        bool removedV4 = false;
        foreach (var a in present)
        {
            var held = new RemoteAddress(a.Address, a.PrefixLength);
            if (desired.Contains(held)) continue;
            try
            {
                _rt.Addresses.Delete(link.Index, a.Address, a.PrefixLength);
                changed = true;
                removedV4 |= a.Address.AddressFamily == AddressFamily.InterNetwork;
                _log.LogInformation("withdrawAddress: {Address} from {Link}", held, link.Name);
            }
            catch (NetlinkException e) when (e.Errno is Errno.EADDRNOTAVAIL or Errno.ENOENT)
            {
                // Gone already (a primary's deletion takes its secondaries with it).
            }
            catch (NetlinkException e)
            {
                ok = false;
                problem = e.Message;
                _log.LogWarning("cannot remove {Address} from {Link}: {Error}", held, link.Name, e.Message);
            }
        }
        // Deleting an IPv4 primary drops the secondaries of its prefix unless promote_secondaries is set: look again.
        if (removedV4) present = Observe(link.Index);
        var have = present.Select(a => new RemoteAddress(a.Address, a.PrefixLength)).ToHashSet();
        var failedAdds = new List<(RemoteAddress Address, string Error)>();
        var options = ToNetlink(_options.AddressOptions);
        foreach (var d in desired.OrderBy(d => d.Family).ThenBy(d => d.Address.ToString(), StringComparer.Ordinal))
        {
            bool missing = !have.Contains(d);
            if (!missing && !(renew && _options.AddressOptions.RenewInterval is not null)) continue;
            try
            {
                _rt.Addresses.Replace(link.Index, d.Address, (byte)d.PrefixLength, options);
                if (missing)
                {
                    changed = true;
                    _log.LogInformation("announcingNonLocal: {Address} on {Link}", d, link.Name);
                }
            }
            catch (NetlinkException e)
            {
                ok = false;
                problem = e.Message;
                failedAdds.Add((d, e.Message));
                _log.LogWarning("cannot add {Address} to {Link}: {Error}", d, link.Name, e.Message);
            }
        }
        Report(true, error: problem);
        if (_nextHopDirty) RefreshNextHopLocked();
        if (changed) Applied?.Invoke();
        foreach (var (address, error) in failedAdds)
        {
            foreach (var key in _book.HoldersOf(address.Address).ToList())
                Raise(new RemoteAnnounceFailure(key, $"cannot add {address} to {link.Name}: {error}"));
        }
        return ok;
    }

    /// <summary>Global addresses on the link (IPv6 link-local ones belong to the kernel).</summary>
    private List<AddressInfo> Observe(int index) =>
        _rt.Addresses.List(AddressFamily.Unspecified, index)
            .Where(a => !(a.Address.AddressFamily == AddressFamily.InterNetworkV6 && a.Address.IsIPv6LinkLocal))
            .ToList();

    private LinkInfo? EnsureLinkLocked()
    {
        var name = _options.LinkName;
        try
        {
            var link = _rt.Links.TryGetByName(name);
            if (link is null)
            {
                try
                {
                    _rt.Links.CreateDummy(name);
                    _log.LogInformation("created dummy interface {Link}", name);
                }
                catch (NetlinkException e) when (e.Errno == Errno.EEXIST)
                {
                    // Someone created it between our look-up and our request: use theirs.
                }
                link = _rt.Links.TryGetByName(name);
                if (link is null) throw new NetlinkException("get link " + name + " after creating it", Errno.ENODEV);
            }
            if (!link.IsUp)
            {
                _rt.Links.SetUp(link.Index);
                _log.LogInformation("set {Link} up", name);
            }
            if (_linkError is not null) _log.LogInformation("{Link} is usable again", name);
            _linkError = null;
            Volatile.Write(ref _linkIndex, link.Index);
            return link;
        }
        catch (NetlinkException e)
        {
            Volatile.Write(ref _linkIndex, 0);
            var message = $"interface {name} is missing and cannot be created ({e.Message}); remote addresses are not held " +
                          $"until it exists (create it, e.g. `ip link add {name} type dummy`, or load the dummy module); retrying every {_options.RetryDelay.TotalSeconds:0.#} s";
            if (message != _linkError) _log.LogError("{Error}", message);
            _linkError = message;
            return null;
        }
    }

    private static NlAddressOptions ToNetlink(AddressOptions o)
    {
        var flags = o.NoPrefixRoute ? NlAddressFlags.NoPrefixRoute : NlAddressFlags.None;
        if (o.NoDad) flags |= NlAddressFlags.NoDad;
        return new NlAddressOptions(Seconds(o.ValidLifetime), Seconds(o.PreferredLifetime), flags);
    }

    private static uint Seconds(TimeSpan? t) => t is { } v ? (uint)v.TotalSeconds : 0;

    private void Report(bool linkReady, string? error) =>
        _status = new RemoteAnnouncerStatus(linkReady, Volatile.Read(ref _linkIndex), _book.Count, error);
}

/// <summary>A snapshot for health checks and <c>purelb debug</c>.</summary>
public sealed record RemoteAnnouncerStatus(bool LinkReady, int LinkIndex, int Desired, string? LastError);

/// <param name="ServiceKey">namespace/name.</param>
/// <param name="Message">What failed, naming the interface or the gobgpd endpoint.</param>
public sealed record RemoteAnnounceFailure(string ServiceKey, string Message);
