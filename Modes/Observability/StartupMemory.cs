using Microsoft.Extensions.Logging;
using Purelb.Modes.Memory;

namespace Purelb.Modes.Observability;

/// <summary>
/// Start-up (the first lists, the first kernel dumps, the gRPC and TLS set-up) leaves garbage and empty regions the
/// collector would otherwise keep committed for a long while, and maps pages of the binary (argument parsing, the
/// kubeconfig, the first lists) that the steady state never touches again. Once the caches are synced, one full
/// compacting collection hands the heap back and the image's clean pages are dropped, so the steady state starts
/// from what it really uses.
/// </summary>
public static class StartupMemory
{
    /// <summary>How long after the release the libraries loaded during start-up are settled too.</summary>
    public static readonly TimeSpan SettleDelay = TimeSpan.FromSeconds(30);

    public static void Release(PageResidency residency, ILogger log)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Settle(residency, log, "start-up pages dropped");
    }

    /// <summary>
    /// Libraries loaded during start-up (OpenSSL, at the first TLS handshake) are covered only by the release, and a
    /// settle drops only from mappings covered before it (<see cref="PageResidency.Settle"/>): what fault-around
    /// mapped of them goes at this second settle.
    /// </summary>
    public static async Task SettleLaterAsync(PageResidency residency, ILogger log, CancellationToken ct)
    {
        try
        {
            await Task.Delay(SettleDelay, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        Settle(residency, log, "pages dropped after start-up");
    }

    private static void Settle(PageResidency residency, ILogger log, string what)
    {
        if (!residency.Active) return;
        long pages;
        int mappings, covered, refused;
        try
        {
            (pages, mappings, covered, refused) = residency.Settle();
        }
        catch (Exception e)
        {
            // Memory hygiene is never worth a stopped agent.
            log.LogWarning("memory: {What} failed: {Error}", what, e.Message);
            return;
        }
        log.LogInformation("memory: {What}: {Pages} ({MiB:0.0} MiB) from {Mappings} read-only file mappings; fault-around off for {Covered} file mappings{Refused}",
            what, pages, pages * Environment.SystemPageSize / 1048576.0, mappings, covered, refused == 0 ? "" : $" ({refused} refused)");
    }
}
