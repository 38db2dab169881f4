namespace Purelb.Kube;

public static class RateLimiters
{
    /// <summary>The controller default (allocator.md §1.3): per item 5 ms doubling to 1000 s, and at most 10 retries
    /// per second overall with bursts of 100.</summary>
    public static IRateLimiter<TKey> DefaultController<TKey>(TimeProvider time) where TKey : notnull =>
        new MaxOfRateLimiter<TKey>(
            new ItemExponentialRateLimiter<TKey>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000)),
            new TokenBucketRateLimiter<TKey>(10, 100, time));
}
