using System.Net;
using Purelb.Election;

namespace Purelb.Modes.Agent.Model;

public enum BurstEnd
{
    Completed,
    /// <summary>A newer burst for the same address replaced this one.</summary>
    Superseded,
    /// <summary>This node no longer owns the address: the rest of the burst was dropped.</summary>
    LostOwnership,
    Cancelled,
}

/// <summary>Result of one burst: packets attempted, failed sends, and why it ended.</summary>
public sealed record BurstResult(int Sent, int Failed, BurstEnd End);

/// <summary>
/// Runs at most one gratuitous burst per address: a new takeover of the same address supersedes the
/// running burst rather than stacking another. Before every packet ownership is re-checked (with the same
/// preferred-node set the election used, supplied by the caller), so a node that lost the address sends
/// nothing more. The send itself is injected (raw ARP / NA sockets live in Netlink/).
/// </summary>
public sealed class GratuitousBursts(TimeProvider time)
{
    private readonly object _lock = new();
    private readonly Dictionary<IPAddress, long> _current = new();
    private long _generation;

    /// <summary>Addresses with a burst in progress.</summary>
    public int Running { get { lock (_lock) return _current.Count; } }

    /// <param name="address">The taken-over address.</param>
    /// <param name="config">Burst shape.</param>
    /// <param name="stillOwner">Re-evaluates the election for the address; false stops the burst.</param>
    /// <param name="send">Sends one announcement; returns false (or throws) on a send error, which does not stop the burst.</param>
    public async Task<BurstResult> RunAsync(
        IPAddress address,
        GratuitousConfig config,
        Func<bool> stillOwner,
        Func<IPAddress, CancellationToken, ValueTask<bool>> send,
        CancellationToken cancellationToken)
    {
        address = ElectionKey.Normalize(address);
        long generation;
        lock (_lock)
        {
            generation = ++_generation;
            _current[address] = generation;
        }
        int sent = 0, failed = 0;
        var end = BurstEnd.Completed;
        try
        {
            var start = time.GetTimestamp();
            foreach (var offset in config.Schedule())
            {
                var wait = offset - time.GetElapsedTime(start);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                if (!IsCurrent(address, generation)) { end = BurstEnd.Superseded; break; }
                if (config.VerifyBeforeSend && !stillOwner()) { end = BurstEnd.LostOwnership; break; }
                bool ok;
                try
                {
                    ok = await send(address, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    ok = false;
                }
                if (ok) sent++;
                else failed++;
            }
        }
        catch (OperationCanceledException)
        {
            end = BurstEnd.Cancelled;
        }
        finally
        {
            lock (_lock)
            {
                if (_current.TryGetValue(address, out var g) && g == generation) _current.Remove(address);
            }
        }
        return new BurstResult(sent, failed, end);
    }

    /// <summary>Stops any burst for the address (it was withdrawn).</summary>
    public void Cancel(IPAddress address)
    {
        lock (_lock) _current.Remove(ElectionKey.Normalize(address));
    }

    private bool IsCurrent(IPAddress address, long generation)
    {
        lock (_lock) return _current.TryGetValue(address, out var g) && g == generation;
    }
}
