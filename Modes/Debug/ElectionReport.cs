namespace Purelb.Modes.Debug;

/// <summary>What `purelb debug election` shows: the node agents' Leases and, for one address, the winner and failover order.</summary>
public sealed record ElectionReport(
    string Namespace,
    IReadOnlyList<ElectionMemberReport> Members,
    IReadOnlyList<IgnoredLeaseReport> Ignored,
    AddressRankingReport? Address);

/// <param name="AgeSeconds">Seconds since the last renewal, by this machine's clock.</param>
/// <param name="Live">Renewed within its duration: the node takes part in elections.</param>
public sealed record ElectionMemberReport(
    string Node,
    string Instance,
    bool Live,
    IReadOnlyList<string> Subnets,
    DateTimeOffset RenewTime,
    long AgeSeconds,
    long DurationSeconds,
    IReadOnlyList<string> Warnings);

public sealed record IgnoredLeaseReport(string Lease, string Reason);

/// <param name="Key">The text the address is hashed under (as every agent spells it).</param>
/// <param name="Winner">The node that announces the address; null when no live node advertises a subnet containing it.</param>
/// <param name="Ranking">Candidates from winner to last: who takes over when the one before it goes away.</param>
/// <param name="Services">Services whose status holds the address.</param>
public sealed record AddressRankingReport(string Address, string Key, string? Winner, IReadOnlyList<string> Ranking, IReadOnlyList<string> Services);
