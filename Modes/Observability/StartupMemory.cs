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
    public static void Release(PageResidency residency, ILogger log)
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (!residency.Active) return;
        // Libraries loaded since start (OpenSSL, at the first TLS handshake) get fault-around switched off too.
        var (covered, refused) = residency.Cover();
        long dropped = residency.DropCleanPages();
        log.LogInformation("memory: start-up pages dropped: {Pages} ({MiB:0.0} MiB) of {Mappings} file mappings{Refused}",
            dropped, dropped * Environment.SystemPageSize / 1048576.0, covered, refused == 0 ? "" : $" ({refused} refused)");
    }
}
