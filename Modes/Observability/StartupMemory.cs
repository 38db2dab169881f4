namespace Purelb.Modes.Observability;

/// <summary>
/// Start-up (the first lists, the first kernel dumps, the gRPC and TLS set-up) leaves garbage and empty regions the
/// collector would otherwise keep committed for a long while; one full compacting collection once the caches are
/// synced hands that memory back, so the steady state starts from the live set.
/// </summary>
public static class StartupMemory
{
    public static void Release() =>
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
}
