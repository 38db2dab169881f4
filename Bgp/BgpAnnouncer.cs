using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Purelb.Bgp;

/// <summary>
/// Keeps gobgpd's locally originated paths equal to the union of the prefixes callers ask for.
/// Callers say what they want per key (<see cref="Set"/>, <see cref="Remove"/>); a prefix stays announced
/// while any key holds it. One loop (<see cref="RunAsync"/>) does all I/O: it connects, waits until BGP is
/// started, reads the RIB with ListPath and corrects it, then applies changes as they come, re-reads the RIB
/// periodically, and starts over when the daemon goes away (the WatchEvent stream breaks), so a restarted
/// gobgpd gets everything back as soon as it answers. The announcer owns every path originated on the daemon
/// through the API (not learned from a peer, not netlink-imported); it never configures peers or starts BGP.
/// </summary>
public sealed class BgpAnnouncer
{
    private volatile BgpAnnouncerOptions _options;
    private readonly ILogger _log;
    private readonly TimeProvider _time;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, IPNetwork[]> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<IPNetwork, int> _refs = [];
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });
    private IPAddress? _ipv6NextHop;

    // Owned by the loop: what we believe the RIB holds (prefix → next hop), refreshed by every full reconcile.
    private readonly Dictionary<IPNetwork, IPAddress> _announced = [];
    private readonly HashSet<IPNetwork> _imported = [];
    private volatile BgpAnnouncerStatus _status = new(false, null, 0, 0, 0, null, null, 0);
    private long _sessions;
    private string _lastFailure = "";

    public BgpAnnouncer(BgpAnnouncerOptions options, ILogger? log = null, TimeProvider? time = null)
    {
        _options = options;
        Defaults = options;
        _log = log ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _ipv6NextHop = options.Ipv6NextHop;
    }

    public BgpAnnouncerStatus Status => _status;

    public BgpAnnouncerOptions Options => _options;

    /// <summary>The options it was built with (the agent's flags).</summary>
    public BgpAnnouncerOptions Defaults { get; }

    /// <summary>Raised (on the announcer's loop) when gobgpd refuses prefixes, when IPv6 prefixes wait for a next
    /// hop, and once per outage when the daemon has been unreachable for <see cref="BgpAnnouncerOptions.OutageReportAfter"/>
    /// while something should be announced. Not raised again for the same failure until it changes.</summary>
    public event Action<BgpAnnounceFailure>? AnnounceFailed;

    /// <summary>
    /// Applies new settings (LBNodeAgent changed). A different endpoint or API generation, or disabling, first
    /// withdraws everything this announcer added on the current daemon, then the loop moves on; the desired set is
    /// kept throughout, so enabling again (or the new daemon) gets it all at once.
    /// </summary>
    public void Configure(BgpAnnouncerOptions options)
    {
        if (options == _options) return;
        _options = options;
        Wake();
    }

    /// <summary>Replaces what <paramref name="key"/> wants announced. Prefixes must be network addresses
    /// (host bits zero), which <see cref="IPNetwork"/> guarantees.</summary>
    public void Set(string key, IEnumerable<IPNetwork> prefixes)
    {
        var wanted = prefixes.Distinct().Order(PrefixOrder.Instance).ToArray();
        if (wanted.Length == 0)
        {
            Remove(key);
            return;
        }
        lock (_lock)
        {
            if (_byKey.TryGetValue(key, out var old))
            {
                if (old.AsSpan().SequenceEqual(wanted)) return;
                Release(old);
            }
            _byKey[key] = wanted;
            foreach (var p in wanted) _refs[p] = _refs.GetValueOrDefault(p) + 1;
        }
        Wake();
    }

    public void Remove(string key)
    {
        lock (_lock)
        {
            if (!_byKey.Remove(key, out var old)) return;
            Release(old);
        }
        Wake();
    }

    public IPAddress? Ipv6NextHop
    {
        get
        {
            lock (_lock) return _ipv6NextHop;
        }
    }

    /// <summary>Changes the IPv6 next hop (e.g. the node's address changed); IPv6 paths are re-added with it.</summary>
    public void SetIpv6NextHop(IPAddress? nextHop)
    {
        lock (_lock) _ipv6NextHop = nextHop;
        Wake();
    }

    /// <summary>The prefixes that should be announced now, in announcement order.</summary>
    public IReadOnlyList<IPNetwork> DesiredPrefixes()
    {
        lock (_lock) return _refs.Keys.Order(PrefixOrder.Instance).ToArray();
    }

    /// <summary>Runs until cancelled; never throws for daemon trouble, which it retries with backoff.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var options = _options;
        var delay = options.ReconnectMinDelay;
        DateTimeOffset? outageSince = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            options = _options;
            if (!options.Enabled)
            {
                Report(ready: false, error: null);
                outageSince = null;
                try
                {
                    await _wake.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
                    _wake.Reader.TryRead(out _);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                continue;
            }
            string? failure = null;
            try
            {
                await RunSessionAsync(options, () =>
                {
                    delay = options.ReconnectMinDelay;
                    outageSince = null;
                }, cancellationToken).ConfigureAwait(false);
                continue; // reconfigured: on to the new settings at once
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (BgpException e)
            {
                failure = e.Message;
                Report(ready: false, error: e.Message);
                _log.LogWarning("gobgpd session on {Endpoint} ended: {Error}", options.Endpoint, e.Message);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failure = e.Message;
                Report(ready: false, error: e.Message);
                _log.LogError(e, "gobgpd session on {Endpoint} failed unexpectedly", options.Endpoint);
            }
            var now = _time.GetUtcNow();
            outageSince ??= now;
            if (now - outageSince >= options.OutageReportAfter && DesiredPrefixes() is { Count: > 0 } waiting)
                RaiseFailure(waiting, $"gobgpd at {options.Endpoint} unreachable for {(now - outageSince.Value).TotalSeconds:0} s: {failure}");
            try
            {
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.ReconnectMaxDelay.Ticks));
        }
        Report(ready: false, error: null);
    }

    /// <returns>Normally only when the settings changed so that this session must end (after withdrawing).</returns>
    private async Task RunSessionAsync(BgpAnnouncerOptions options, Action onReady, CancellationToken cancellationToken)
    {
        using var client = await GobgpClient.ConnectAsync(options.Endpoint, options.Version, options.CallTimeout, cancellationToken)
            .ConfigureAwait(false);
        var global = client.GlobalAtConnect;
        while (!global.IsStarted)
        {
            Report(ready: false, error: $"BGP not started on {options.Endpoint} yet", version: client.Version);
            if (EndsSession(options, _options)) return;
            await Task.Delay(options.NotStartedPollInterval, _time, cancellationToken).ConfigureAwait(false);
            global = await client.GetBgpAsync(cancellationToken).ConfigureAwait(false);
        }

        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = WatchPeersAsync(client, session.Token);
        try
        {
            Interlocked.Increment(ref _sessions);
            _log.LogInformation("gobgpd {Version} on {Endpoint} ready (AS {Asn}, router id {RouterId})",
                client.Version, options.Endpoint, global.Asn, global.RouterId);
            var ok = await ReconcileAsync(client, fromRib: true, cancellationToken).ConfigureAwait(false);
            onReady();
            while (true)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var wake = _wake.Reader.WaitToReadAsync(wait.Token).AsTask();
                var timer = Task.Delay(ok ? options.ResyncInterval : options.FailedRetryDelay, _time, wait.Token);
                var done = await Task.WhenAny(wake, timer, watch).ConfigureAwait(false);
                wait.Cancel();
                cancellationToken.ThrowIfCancellationRequested();
                if (done == watch)
                {
                    await watch.ConfigureAwait(false); // surfaces the stream's BgpException
                    throw new BgpException(BgpError.Unavailable, "gobgpd closed the WatchEvent stream");
                }
                // A failed attempt is retried from a fresh read of the RIB, as is the periodic resync.
                var fromRib = done == timer;
                _wake.Reader.TryRead(out _);
                if (!ReferenceEquals(options, _options))
                {
                    if (EndsSession(options, _options))
                    {
                        // Leave nothing behind on this daemon: netlink import takes over, or another daemon does.
                        await ReconcileAsync(client, fromRib: true, cancellationToken, withdrawAll: true).ConfigureAwait(false);
                        _log.LogInformation("BGP announcing through {Endpoint} stopped: settings changed", options.Endpoint);
                        return;
                    }
                    options = _options;
                }
                ok = await ReconcileAsync(client, fromRib, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            session.Cancel();
            try
            {
                await watch.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Already reported through the session's own exception, or it was cancelled by us.
            }
        }
    }

    private async Task WatchPeersAsync(GobgpClient client, CancellationToken cancellationToken)
    {
        await Task.Yield();
        await foreach (var e in client.WatchPeerEventsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (e.Kind == BgpPeerEventKind.State && e.Peer is { } p)
                _log.LogInformation("BGP peer {Peer} is {State}", p.Address, p.State);
        }
    }

    /// <returns>False when some prefix could not be announced or withdrawn (retried soon).</returns>
    private static bool EndsSession(BgpAnnouncerOptions current, BgpAnnouncerOptions next) =>
        !next.Enabled || next.Endpoint != current.Endpoint || next.Version != current.Version || next.CallTimeout != current.CallTimeout;

    private async Task<bool> ReconcileAsync(GobgpClient client, bool fromRib, CancellationToken cancellationToken, bool withdrawAll = false)
    {
        if (fromRib)
        {
            _announced.Clear();
            _imported.Clear();
            foreach (var family in Families)
            {
                foreach (var p in await client.ListPathAsync(family, cancellationToken).ConfigureAwait(false))
                {
                    if (p.IsOwnedByApi)
                        _announced[p.Prefix] = p.NextHop ?? Unspecified(family);
                    else if (p.IsLocal)
                        _imported.Add(p.Prefix);
                }
            }
        }

        IPNetwork[] desired;
        IPAddress? v6NextHop;
        lock (_lock)
        {
            desired = withdrawAll ? [] : _refs.Keys.Order(PrefixOrder.Instance).ToArray();
            v6NextHop = _ipv6NextHop;
        }
        var ok = true;
        string? problem = null;
        var failed = new List<IPNetwork>();
        var endpoint = client.Endpoint;

        // Announce before withdrawing, so a prefix that is being replaced by another one never leaves a gap.
        foreach (var prefix in desired)
        {
            var v6 = prefix.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;
            var nextHop = v6 ? v6NextHop : _options.Ipv4NextHop;
            if (nextHop is null)
            {
                ok = false;
                failed.Add(prefix);
                problem = $"{prefix} not announced through gobgpd at {endpoint}: no IPv6 next hop (the node has no global IPv6 address)";
                continue;
            }
            if (_announced.TryGetValue(prefix, out var current) && current.Equals(nextHop)) continue;
            try
            {
                await client.AddPathAsync(new BgpRoute(prefix, nextHop), cancellationToken).ConfigureAwait(false);
                _announced[prefix] = nextHop;
                _log.LogInformation("announced {Prefix} via {NextHop}", prefix, nextHop);
            }
            catch (BgpException e) when (!e.IsTransient)
            {
                ok = false;
                failed.Add(prefix);
                problem = $"gobgpd at {endpoint} refused {prefix}: {e.Message}";
                _log.LogWarning("announcing {Prefix} through {Endpoint} failed: {Error}", prefix, endpoint, e.Message);
            }
        }

        var wanted = desired.ToHashSet();
        foreach (var prefix in _announced.Keys.Where(p => !wanted.Contains(p)).Order(PrefixOrder.Instance).ToArray())
        {
            try
            {
                await client.DeletePathAsync(new BgpRoute(prefix, _announced[prefix]), cancellationToken).ConfigureAwait(false);
                _announced.Remove(prefix);
                _log.LogInformation("withdrew {Prefix}", prefix);
            }
            catch (BgpException e) when (!e.IsTransient)
            {
                ok = false;
                problem = $"gobgpd at {endpoint} did not withdraw {prefix}: {e.Message}";
                _log.LogWarning("withdrawing {Prefix} through {Endpoint} failed: {Error}", prefix, endpoint, e.Message);
            }
        }

        // Netlink import of the same prefixes doubles the local paths: our withdrawals would not take the route
        // down. Worth a warning on every RIB read until the configuration is fixed (docs/bgp.md).
        var duplicates = fromRib ? desired.Count(_imported.Contains) : _status.ImportedDuplicates;
        if (fromRib && duplicates > 0)
            _log.LogWarning("{Count} announced prefixes are also imported by gobgpd's netlink import; disable one of the two", duplicates);
        Report(ready: true, error: problem, version: client.Version, desired: desired.Length, reconciled: true, duplicates: duplicates);
        if (failed.Count > 0) RaiseFailure(failed, problem!);
        else _lastFailure = "";
        return ok;
    }

    private void RaiseFailure(IReadOnlyList<IPNetwork> prefixes, string message)
    {
        var fingerprint = string.Join(',', prefixes) + "|" + message;
        if (fingerprint == _lastFailure) return;
        _lastFailure = fingerprint;
        try
        {
            AnnounceFailed?.Invoke(new BgpAnnounceFailure(prefixes, message));
        }
        catch (Exception e)
        {
            _log.LogError(e, "announce-failure handler failed");
        }
    }

    private static readonly AddressFamily[] Families = [AddressFamily.InterNetwork, AddressFamily.InterNetworkV6];

    private static IPAddress Unspecified(AddressFamily family) =>
        family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any;

    private void Release(IPNetwork[] prefixes)
    {
        foreach (var p in prefixes)
        {
            var n = _refs[p] - 1;
            if (n == 0) _refs.Remove(p);
            else _refs[p] = n;
        }
    }

    private void Wake() => _wake.Writer.TryWrite(true);

    private void Report(bool ready, string? error, GobgpApiVersion? version = null, int? desired = null, bool reconciled = false,
        int? duplicates = null)
    {
        var old = _status;
        var options = _options;
        _status = new BgpAnnouncerStatus(
            ready,
            version ?? (ready ? old.Version : null),
            desired ?? old.Desired,
            ready ? _announced.Count : 0,
            Interlocked.Read(ref _sessions),
            error,
            reconciled ? _time.GetUtcNow() : old.LastReconcile,
            duplicates ?? old.ImportedDuplicates,
            options.Enabled,
            options.Endpoint.ToString());
    }
}
