using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Purelb.Election;
using Purelb.Kube.Agent;
using Purelb.Modes.Agent.Model;
using Purelb.Netlink;
using Purelb.Netlink.Interop;
using Purelb.Netlink.Raw;
using NlAddressOptions = Purelb.Netlink.Route.AddressOptions;
using NlAddressFlags = Purelb.Netlink.Route.AddressFlags;

namespace Purelb.Modes.Agent;

/// <summary>
/// Keeps this node's local addresses on the kernel over netlink: a refcounted desired set
/// (<see cref="LocalAddressBook"/>), diffs against what the kernel reports (<see cref="AddressDiff"/>), and a
/// GARP / unsolicited NA burst for every address taken. Every kernel operation runs under one lock, so the
/// fencing path (<see cref="WithdrawAll"/>, called from the elector's timer) and the worker never interleave,
/// and an address is only ever added while <c>mayAnnounce</c> holds at that moment.
/// </summary>
public sealed class LocalAnnouncer : IAddressAnnouncer, IDisposable
{
    private readonly RtNetlink _rt;
    private readonly Func<bool> _mayAnnounce;
    private readonly AgentMetrics _metrics;
    private readonly ILogger _log;
    private readonly GratuitousBursts _bursts;
    private readonly object _lock = new();
    private readonly LocalAddressBook _book = new();
    private readonly CancellationTokenSource _stop = new();
    private NetlinkMonitor? _monitor;
    private GratuitousArpSender? _arp;
    private NeighborAdvertisementSender? _na;
    private GratuitousConfig _gratuitous = GratuitousConfig.Default;
    private IReadOnlySet<IPAddress> _knownVips = new HashSet<IPAddress>();
    private readonly Dictionary<IPAddress, string> _failures = new();
    // Source address of our neighbour advertisements per link. Looking it up is a dump of the link's addresses, which
    // once per packet made a takeover of N IPv6 addresses O(N²); any kernel change other than our own echo clears it.
    private readonly Dictionary<int, IPAddress> _linkLocalSources = new();

    public LocalAnnouncer(RtNetlink rt, Func<bool> mayAnnounce, AgentMetrics metrics, TimeProvider time, ILogger log)
    {
        _rt = rt;
        _mayAnnounce = mayAnnounce;
        _metrics = metrics;
        _log = log;
        _bursts = new GratuitousBursts(time);
    }

    public event Action? KernelChanged;

    /// <summary>The remote announcer's link, whose addresses this announcer never touches.</summary>
    public string DummyInterface { get; init; } = Remote.RemoteAnnouncerOptions.DefaultLinkName;

    /// <summary>Subscribes to address and link notifications; each raises <see cref="KernelChanged"/>, except the
    /// kernel's echo of an address we hold being added or renewed where we want it.</summary>
    public void StartMonitor(NetworkNamespace? networkNamespace = null)
    {
        _monitor = NetlinkMonitor.Open(networkNamespace);
        _monitor.Start();
        var reader = _monitor.Events;
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
                {
                    if (IsNews(e)) KernelChanged?.Invoke();
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public NodeNetworkFacts ReadFacts()
    {
        lock (_lock) return NetlinkFacts.Read(_rt);
    }

    public void Configure(GratuitousConfig config)
    {
        lock (_lock) _gratuitous = config;
    }

    public bool Holds(IPAddress address)
    {
        lock (_lock)
        {
            var ip = ElectionKey.Normalize(address);
            return _book.Desired.ContainsKey(ip) && !_failures.ContainsKey(ip);
        }
    }

    public AnnounceResult Set(string serviceKey, IReadOnlyList<DesiredLocalAddress> addresses)
    {
        lock (_lock)
        {
            // Checked under the lock the fencing path takes: once fenced, nothing is added again.
            var wanted = _mayAnnounce() ? addresses : [];
            var change = _book.Set(serviceKey, wanted);
            var added = change.IsEmpty ? [] : ApplyChange(change);
            var failed = new List<(IPAddress, string)>();
            foreach (var d in wanted)
            {
                if (_failures.TryGetValue(ElectionKey.Normalize(d.Address), out var error)) failed.Add((d.Address, error));
            }
            return new AnnounceResult(added, failed);
        }
    }

    public void Remove(string serviceKey)
    {
        lock (_lock)
        {
            var change = _book.Remove(serviceKey);
            if (!change.IsEmpty) ApplyChange(change);
        }
    }

    public TimeSpan? Reconcile(IReadOnlySet<IPAddress> knownVips)
    {
        lock (_lock)
        {
            _knownVips = knownVips;
            if (!_mayAnnounce() && _book.Desired.Count > 0) _book.Clear();
            Apply(knownVips);
            return NextRenewal;
        }
    }

    public void WithdrawAll()
    {
        lock (_lock)
        {
            foreach (var ip in _book.Desired.Keys) _bursts.Cancel(ip);
            _book.Clear();
            Apply(_knownVips);
        }
    }

    private TimeSpan? NextRenewal { get; set; }

    /// <summary>Brings the kernel in line with the book; returns the addresses added (not renewed).</summary>
    private List<IPAddress> Apply(IReadOnlySet<IPAddress> knownVips)
    {
        // The dummy interface holds remote addresses, which the remote announcer owns (AddressDiff's contract).
        var facts = NetlinkFacts.Read(_rt);
        var dummy = facts.Links.Where(l => l.Name == DummyInterface).Select(l => l.Index).FirstOrDefault(-1);
        var observed = facts.Addresses.Where(a => a.LinkIndex != dummy).ToList();
        var plan = AddressDiff.Compute(_book.Desired, observed, a => IsOurs(a, knownVips));
        NextRenewal = plan.NextRenewalIn;
        foreach (var ip in _failures.Keys.Where(ip => !_book.Desired.ContainsKey(ip)).ToList()) _failures.Remove(ip);
        foreach (var r in plan.Removes) Delete(r.Address, r.LinkIndex, r.PrefixLength, r.Reason);
        var added = new List<IPAddress>();
        foreach (var d in plan.Adds) Take(d, added);
        foreach (var d in plan.Renewals)
        {
            if (Replace(d)) _metrics.Renewals.Inc();
            else _metrics.RenewalErrors.Inc();
        }
        return added;
    }

    /// <summary>
    /// One Service's change, applied to just the addresses it touched: a Service that wins or loses an address costs
    /// one netlink request, not a dump and diff of every address on the node (which made taking N addresses O(N²)).
    /// Whatever else drifted is the full pass's business: <see cref="Reconcile"/> on a kernel notification and
    /// periodically. Returns the addresses newly held here (taken, or moved to another link), each given a burst.
    /// </summary>
    private List<IPAddress> ApplyChange(AddressBookChange change)
    {
        foreach (var old in change.Removed)
        {
            _failures.Remove(ElectionKey.Normalize(old.Address));
            Delete(old.Address, old.LinkIndex, old.PrefixLength, "notDesired");
        }
        var added = new List<IPAddress>();
        foreach (var (before, after) in change.Changed)
        {
            if (before.LinkIndex != after.LinkIndex || before.PrefixLength != after.PrefixLength)
            {
                Delete(before.Address, before.LinkIndex, before.PrefixLength, "misplaced");
                Take(after, added);
            }
            else
            {
                // Only the options changed: same link, so neighbours' caches are still right and no burst is due.
                Replace(after);
            }
        }
        foreach (var d in change.Added) Take(d, added);
        return added;
    }

    /// <summary>Adds an address newly held here and announces it with a burst; one the kernel refuses is left to
    /// <see cref="_failures"/>.</summary>
    private void Take(DesiredLocalAddress d, List<IPAddress> added)
    {
        if (!Replace(d)) return;
        added.Add(d.Address);
        StartBurst(d);
    }

    /// <summary>
    /// Whether a notification may change what a full pass decides: anything but the kernel's echo of an address of
    /// ours added or renewed on the link and prefix we want. News also drops the cached NA sources, which it may
    /// have made stale.
    /// </summary>
    private bool IsNews(NetlinkEvent e)
    {
        lock (_lock)
        {
            if (e is AddressEvent { Removed: false, Address: var a }
                && _book.Desired.TryGetValue(ElectionKey.Normalize(a.Address), out var d)
                && d.LinkIndex == a.InterfaceIndex && d.PrefixLength == a.PrefixLength)
            {
                return false;
            }
            _linkLocalSources.Clear();
            return true;
        }
    }

    private void Delete(IPAddress address, int linkIndex, int prefixLength, string reason)
    {
        try
        {
            _rt.Addresses.Delete(linkIndex, address, (byte)prefixLength);
            _metrics.Withdrawals.Inc();
            _log.LogInformation("withdrawAddress: {Ip}/{Prefix} from link #{Link} ({Reason})", ElectionKey.Format(address), prefixLength, linkIndex, reason);
        }
        catch (NetlinkException e) when (e.Errno is Errno.EADDRNOTAVAIL or Errno.ENOENT or Errno.ENODEV)
        {
        }
        catch (NetlinkException e)
        {
            _log.LogWarning("cannot remove {Ip} from link #{Link}: {Error}", address, linkIndex, e.Message);
        }
    }

    private bool Replace(DesiredLocalAddress d)
    {
        var o = d.Options;
        var flags = (o.NoPrefixRoute ? NlAddressFlags.NoPrefixRoute : 0) | (o.NoDad ? NlAddressFlags.NoDad : 0);
        var options = new NlAddressOptions(Seconds(o.ValidLifetime), Seconds(o.PreferredLifetime), flags);
        try
        {
            _rt.Addresses.Replace(d.LinkIndex, d.Address, (byte)d.PrefixLength, options);
            _failures.Remove(ElectionKey.Normalize(d.Address));
            return true;
        }
        catch (NetlinkException e)
        {
            _failures[ElectionKey.Normalize(d.Address)] = e.Message;
            _log.LogWarning("cannot add {Ip}/{Prefix} to {Link}: {Error}", ElectionKey.Format(d.Address), d.PrefixLength, d.LinkName, e.Message);
            return false;
        }
    }

    private static uint Seconds(TimeSpan? t) => t is { } v ? (uint)v.TotalSeconds : 0;

    /// <summary>
    /// Ours: the lifetime-and-flags signature we add with (finite lifetime, no prefix route), or an ingress
    /// address of one of our Services. Either way only when not desired, as <see cref="AddressDiff"/> asks.
    /// </summary>
    private static bool IsOurs(AddressFacts a, IReadOnlySet<IPAddress> knownVips) =>
        ((a.Flags & AddressFlags.NoPrefixRoute) != 0 && a.ValidLifetime is not null)
        || knownVips.Contains(ElectionKey.Normalize(a.Address));

    private void StartBurst(DesiredLocalAddress d)
    {
        var config = _gratuitous;
        if (!config.Enabled) return;
        var ip = d.Address;
        _ = _bursts.RunAsync(ip, config,
            stillOwner: () => Holds(ip) && _mayAnnounce(),
            send: (address, _) => ValueTask.FromResult(SendOne(d, address)),
            _stop.Token);
    }

    private bool SendOne(DesiredLocalAddress d, IPAddress address)
    {
        bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        try
        {
            lock (_lock)
            {
                var link = _rt.Links.TryGetByIndex(d.LinkIndex);
                if (link is null) return false;
                if (v6)
                {
                    if (!_linkLocalSources.TryGetValue(d.LinkIndex, out var source))
                    {
                        source = NeighborAdvertisementSender.FindLinkLocal(_rt.Addresses, d.LinkIndex);
                        if (source is null) return false;
                        _linkLocalSources[d.LinkIndex] = source;
                    }
                    (_na ??= new NeighborAdvertisementSender()).Send(link, address, source);
                }
                else
                {
                    (_arp ??= new GratuitousArpSender()).Send(link, address);
                }
            }
            (v6 ? _metrics.NaSent : _metrics.GarpSent).Inc();
            return true;
        }
        catch (NetlinkException e)
        {
            (v6 ? _metrics.NaErrors : _metrics.GarpErrors).Inc();
            if (v6) lock (_lock) _linkLocalSources.Remove(d.LinkIndex);
            _log.LogDebug("gratuitous announcement of {Ip} failed: {Error}", address, e.Message);
            return false;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _monitor?.Dispose();
        _arp?.Dispose();
        _na?.Dispose();
    }
}
