using System.Diagnostics;
using System.Net;
using Purelb.Netlink;

namespace Purelb.Bench.Lab;

/// <summary>One RTM_NEWADDR / RTM_DELADDR seen in a node's namespace, stamped when the bench read it.</summary>
public readonly record struct AddressChange(long Timestamp, string Node, bool Removed, IPAddress Address, int InterfaceIndex);

/// <summary>
/// Records every address notification of several node namespaces with a <see cref="Stopwatch"/> timestamp, so a
/// figure can be read back afterwards at millisecond resolution without polling the kernel. One thread per
/// namespace drains its <see cref="NetlinkMonitor"/> with a 1 ms idle sleep: the stamp does not wait for the thread
/// pool, which the in-process API server keeps busy.
/// </summary>
public sealed class AddressEventLog : IDisposable
{
    private readonly List<(NetworkNamespace Ns, NetlinkMonitor Monitor, Thread Reader)> _nodes = [];
    private readonly List<AddressChange> _changes = [];
    private readonly object _gate = new();
    private volatile bool _stopping;

    public AddressEventLog(IEnumerable<(string Node, string Namespace)> nodes)
    {
        try
        {
            foreach (var (node, name) in nodes)
            {
                var ns = NetworkNamespace.Open(name);
                var monitor = NetlinkMonitor.Open(ns);
                monitor.Start();
                var reader = new Thread(() => Drain(node, monitor)) { IsBackground = true, Name = "bench netlink " + node };
                _nodes.Add((ns, monitor, reader));
                reader.Start();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private void Drain(string node, NetlinkMonitor monitor)
    {
        var reader = monitor.Events;
        while (!_stopping)
        {
            if (!reader.TryRead(out var e))
            {
                if (reader.Completion.IsCompleted) return;
                Thread.Sleep(1);
                continue;
            }
            if (e is AddressEvent a)
            {
                var change = new AddressChange(Stopwatch.GetTimestamp(), node, a.Removed, a.Address.Address, a.Address.InterfaceIndex);
                lock (_gate) _changes.Add(change);
            }
        }
    }

    /// <summary>The first change after <paramref name="since"/> that matches, waiting for it up to <paramref name="timeout"/>.</summary>
    public async Task<AddressChange> WaitAsync(Func<AddressChange, bool> match, long since, TimeSpan timeout, CancellationToken ct, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            lock (_gate)
            {
                foreach (var c in _changes)
                    if (c.Timestamp >= since && match(c)) return c;
            }
            if (clock.Elapsed > timeout) throw new TimeoutException($"no netlink notification for {what} within {timeout.TotalSeconds:0.#} s");
            await Task.Delay(2, ct);
        }
    }

    public Task<AddressChange> AddedAsync(IPAddress ip, long since, TimeSpan timeout, CancellationToken ct, Func<string, bool>? node = null) =>
        WaitAsync(c => !c.Removed && c.Address.Equals(ip) && (node is null || node(c.Node)), since, timeout, ct, $"{ip} added");

    public Task<AddressChange> RemovedAsync(IPAddress ip, long since, TimeSpan timeout, CancellationToken ct, Func<string, bool>? node = null) =>
        WaitAsync(c => c.Removed && c.Address.Equals(ip) && (node is null || node(c.Node)), since, timeout, ct, $"{ip} removed");

    /// <summary>Every change since <paramref name="since"/>, in order.</summary>
    public IReadOnlyList<AddressChange> Since(long since)
    {
        lock (_gate) return _changes.Where(c => c.Timestamp >= since).ToList();
    }

    /// <summary>Forgets what is older than <paramref name="before"/>, so scans stay short over many trials.</summary>
    public void Trim(long before)
    {
        lock (_gate) _changes.RemoveAll(c => c.Timestamp < before);
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var (ns, monitor, reader) in _nodes)
        {
            reader.Join(TimeSpan.FromSeconds(2));
            monitor.Dispose();
            ns.Dispose();
        }
        _nodes.Clear();
    }
}
