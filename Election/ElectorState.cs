namespace Purelb.Election;

public enum ElectorState
{
    /// <summary>No renewal confirmed yet: announce nothing.</summary>
    Starting,
    /// <summary>Lease confirmed within the fencing deadline: may announce.</summary>
    Healthy,
    /// <summary>Could not confirm a renewal in time (or the lease was deleted): every local address must be withdrawn.</summary>
    Fenced,
    /// <summary>Graceful shutdown in progress: withdraw, then the lease is deleted.</summary>
    Stopping,
    Stopped,
}

/// <summary>Result of one renewal attempt.</summary>
public enum RenewOutcome
{
    Renewed,
    Created,
    Failed,
    /// <summary>Write acknowledged, but after the fencing deadline it would have set, so it proves nothing.</summary>
    TooLate,
    /// <summary>Not attempted: the elector is stopping or stopped.</summary>
    Skipped,
}
