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
    private readonly RemoteAnnouncerOptions _options;
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

    public RemoteAnnouncer(RtNetlink rt, RemoteAnnouncerOptions? options = null, BgpAnnouncer? bgp = null, ILogger? log = null,
        TimeProvider? time = null)
    {
        _rt = rt;
        _options = options ?? new RemoteAnnouncerOptions();
        _bgp = bgp;
        _log = log ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
    }

    public string LinkName => _options.LinkName;

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
        using var monitor = NetlinkMonitor.Open(_options.Namespace);
        monitor.Start();
        var events = monitor.Events;
        bool ok;
        lock (_lock)
        {
            _started = true;
            ok = ApplyLocked(renew: false);
        }
        var renewEvery = _options.AddressOptions.RenewInterval;
        var nextRenewal = renewEvery is { } r ? _time.GetUtcNow() + r : DateTimeOffset.MaxValue;
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = ok ? _options.ResyncInterval : _options.RetryDelay;
            var untilRenewal = nextRenewal - _time.GetUtcNow();
            if (untilRenewal < wait) wait = untilRenewal < TimeSpan.Zero ? TimeSpan.Zero : untilRenewal;
            bool relevant = await WaitAsync(events, wait, cancellationToken).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested) break;
            bool renew = _time.GetUtcNow() >= nextRenewal;
            if (renew && renewEvery is { } every) nextRenewal = _time.GetUtcNow() + every;
            if (!relevant && !renew && ok && wait != _options.ResyncInterval) continue;
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
        while (events.TryRead(out var e))
        {
            relevant |= e switch
            {
                LinkEvent l => l.Link.Name == _options.LinkName || l.Link.Index == index,
                AddressEvent a => a.Address.InterfaceIndex == index || index == 0,
                ResyncNeeded => true,
                _ => false,
            };
        }
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
                _log.LogWarning("cannot add {Address} to {Link}: {Error}", d, link.Name, e.Message);
            }
        }
        Report(true, error: problem);
        if (changed) Applied?.Invoke();
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
