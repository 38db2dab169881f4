namespace Purelb.Kube;

public sealed record ReflectorOptions
{
    /// <summary>First retry delay after a failed list or watch.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(800);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>A failure after this long without one starts the backoff over.</summary>
    public TimeSpan BackoffResetAfter { get; init; } = TimeSpan.FromMinutes(2);
    /// <summary>Random extra delay, as a fraction of the delay (1.0 = up to double).</summary>
    public double Jitter { get; init; } = 1.0;
    /// <summary>A watch that ends normally sooner than this with no events is treated like a failure, so a server
    /// that closes every watch at once cannot make us spin.</summary>
    public TimeSpan ShortWatch { get; init; } = TimeSpan.FromSeconds(1);
}
