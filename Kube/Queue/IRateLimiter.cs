namespace Purelb.Kube;

/// <summary>Decides how long a failed item waits before it is retried.</summary>
public interface IRateLimiter<TKey> where TKey : notnull
{
    /// <summary>Records one more failure of <paramref name="item"/> and returns its delay.</summary>
    TimeSpan When(TKey item);

    /// <summary>The item succeeded (or was given up on): its failure history is cleared.</summary>
    void Forget(TKey item);

    int NumRequeues(TKey item);
}
