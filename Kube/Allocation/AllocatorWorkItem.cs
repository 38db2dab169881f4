namespace Purelb.Kube.Allocation;

public enum AllocatorWorkKind
{
    /// <summary>Reconcile one Service (it may have been deleted).</summary>
    Service,
    /// <summary>Rebuild the IPAM configuration from the ServiceGroups.</summary>
    Config,
    /// <summary>Write ServiceGroup status for pools whose use changed.</summary>
    PublishStatus,
}

/// <summary>A key of the allocator's single work queue; equal items collapse into one.</summary>
public readonly record struct AllocatorWorkItem(AllocatorWorkKind Kind, string Key)
{
    public static AllocatorWorkItem Config { get; } = new(AllocatorWorkKind.Config, "");
    public static AllocatorWorkItem PublishStatus { get; } = new(AllocatorWorkKind.PublishStatus, "");
    public static AllocatorWorkItem ForService(string key) => new(AllocatorWorkKind.Service, key);
    public override string ToString() => Kind == AllocatorWorkKind.Service ? Key : Kind.ToString();
}
