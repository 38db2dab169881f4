using Purelb.Election;

namespace Purelb.Modes.Agent.Model;

public enum TakeoverAction
{
    /// <summary>Add the address now.</summary>
    Announce,
    /// <summary>We won from a node that is still live: wait until it has seen the change and withdrawn.</summary>
    Hold,
    /// <summary>Not ours: make sure it is not on this node.</summary>
    Withdraw,
}

/// <param name="RetryIn">For <see cref="TakeoverAction.Hold"/>: when to evaluate again.</param>
public sealed record TakeoverVerdict(TakeoverAction Action, TimeSpan? RetryIn = null);

/// <summary>
/// Lease fencing covers a winner that dies or is cut off; it does not cover a winner change between two
/// live nodes (a node joins, or a node's subnets change): the old winner withdraws when its watch shows
/// the change, the new one would add when its own watch shows it. This gate makes the new winner wait
/// <see cref="ElectionTiming.JoinHoldOff"/> (Δ + W) when the previous winner is still live, so the old one
/// has seen the change and withdrawn first. A takeover from an expired or deleted node, a brand-new
/// address, or an address we already hold is not delayed.
/// Single-writer (the reconcile thread).
/// </summary>
public sealed class TakeoverGate(TimeProvider time, TimeSpan holdOff)
{
    private sealed record State(string? LastWinner, long? WonSince);

    private readonly Dictionary<string, State> _byKey = new(StringComparer.Ordinal);

    public TakeoverVerdict Evaluate(ElectionDecision decision, MembershipSnapshot membership)
    {
        var key = decision.Key;
        _byKey.TryGetValue(key, out var state);
        switch (decision.Outcome)
        {
            case ElectionOutcome.NotReady:
                // Says nothing about the winner; our own fencing already stops us announcing.
                return new TakeoverVerdict(TakeoverAction.Withdraw);
            case ElectionOutcome.Lost:
            case ElectionOutcome.NoEligibleNodes:
                _byKey[key] = new State(decision.Winner, null);
                return new TakeoverVerdict(TakeoverAction.Withdraw);
        }

        var me = decision.Winner!;
        var previous = state?.LastWinner;
        if (previous is null || previous == me || !membership.LiveNodes.Contains(previous))
        {
            _byKey[key] = new State(me, null);
            return new TakeoverVerdict(TakeoverAction.Announce);
        }
        long since = state!.WonSince ?? time.GetTimestamp();
        var waited = time.GetElapsedTime(since);
        if (waited >= holdOff)
        {
            _byKey[key] = new State(me, null);
            return new TakeoverVerdict(TakeoverAction.Announce);
        }
        _byKey[key] = state with { WonSince = since };
        return new TakeoverVerdict(TakeoverAction.Hold, holdOff - waited);
    }

    /// <summary>The address left every Service: forget it.</summary>
    public void Forget(string key) => _byKey.Remove(key);
}
