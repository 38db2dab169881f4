namespace Purelb.Kube;

/// <summary>Asks every limiter and waits for the longest answer.</summary>
public sealed class MaxOfRateLimiter<TKey>(params IRateLimiter<TKey>[] limiters) : IRateLimiter<TKey> where TKey : notnull
{
    public TimeSpan When(TKey item)
    {
        var max = TimeSpan.Zero;
        foreach (var limiter in limiters)
        {
            var d = limiter.When(item);
            if (d > max) max = d;
        }
        return max;
    }

    public void Forget(TKey item)
    {
        foreach (var limiter in limiters) limiter.Forget(item);
    }

    public int NumRequeues(TKey item) => limiters.Max(l => l.NumRequeues(item));
}
