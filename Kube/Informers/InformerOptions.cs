namespace Purelb.Kube;

public sealed record InformerOptions
{
    /// <summary>Every this often each cached object is redelivered as an update (old == new), so a reconcile that was
    /// dropped or failed permanently gets another chance. Null: never.</summary>
    public TimeSpan? ResyncPeriod { get; init; }
    public ReflectorOptions Reflector { get; init; } = new();
}
