namespace Purelb.Modes.Agent.Model;

/// <summary>
/// The gratuitous ARP / unsolicited NA burst sent when this node takes an address over.
/// Unlike upstream (off unless <c>garpConfig</c> is present), an absent <c>garpConfig</c> means the
/// defaults below: a takeover is announced to the segment unless it is switched off explicitly.
/// </summary>
public sealed record GratuitousConfig(bool Enabled, TimeSpan InitialDelay, int Count, TimeSpan Interval, bool VerifyBeforeSend)
{
    public const int DefaultCount = 3;
    public const int MinCount = 1;
    public const int MaxCount = 10;
    public static readonly TimeSpan DefaultInitialDelay = TimeSpan.Zero;
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(500);

    public static GratuitousConfig Default { get; } = new(true, DefaultInitialDelay, DefaultCount, DefaultInterval, true);

    /// <summary>
    /// From <c>spec.local.garpConfig</c> (null = absent). Durations are Go duration strings; invalid or
    /// negative ones fall back to the defaults; the count is clamped to 1…10.
    /// </summary>
    public static GratuitousConfig FromSpec(bool present, bool? enabled, string? initialDelay, int? count, string? interval, bool? verifyBeforeSend)
    {
        if (!present) return Default;
        return new GratuitousConfig(
            enabled ?? true,
            Duration(initialDelay, DefaultInitialDelay),
            Math.Clamp(count ?? DefaultCount, MinCount, MaxCount),
            Duration(interval, DefaultInterval),
            verifyBeforeSend ?? true);
    }

    private static TimeSpan Duration(string? text, TimeSpan fallback) =>
        GoDuration.TryParse(text, out var d) && d >= TimeSpan.Zero ? d : fallback;

    /// <summary>Offsets from the takeover at which each packet (IPv4: request + reply pair; IPv6: one NA) goes out.</summary>
    public IReadOnlyList<TimeSpan> Schedule()
    {
        if (!Enabled) return [];
        var offsets = new TimeSpan[Count];
        for (int i = 0; i < Count; i++) offsets[i] = InitialDelay + Interval * i;
        return offsets;
    }
}
