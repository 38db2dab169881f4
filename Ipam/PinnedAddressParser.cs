namespace Purelb.Ipam;

/// <summary>Where the pinned addresses of a Service came from.</summary>
public enum PinnedAddressSource
{
    None,
    /// <summary>The <c>purelb.io/addresses</c> annotation.</summary>
    Annotation,
    /// <summary>The deprecated <c>spec.loadBalancerIP</c> field (deserves a DeprecationWarning event).</summary>
    LoadBalancerIP,
}

/// <summary>Splits the pin sources into entries, the way §3.1 describes: comma-split, no trimming.</summary>
public static class PinnedAddressParser
{
    /// <summary>
    /// The annotation wins when present (even empty, which later fails as an invalid address); the
    /// field is used only when the annotation is absent and the field is non-empty.
    /// </summary>
    public static (IReadOnlyList<string>? Entries, PinnedAddressSource Source) Split(string? addressesAnnotation, string? loadBalancerIP)
    {
        if (addressesAnnotation is not null) return (addressesAnnotation.Split(','), PinnedAddressSource.Annotation);
        if (!string.IsNullOrEmpty(loadBalancerIP)) return (loadBalancerIP.Split(','), PinnedAddressSource.LoadBalancerIP);
        return (null, PinnedAddressSource.None);
    }
}
