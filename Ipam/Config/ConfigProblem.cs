namespace Purelb.Ipam;

/// <summary>What is wrong with a ServiceGroup. Each kind has one meaning so callers can branch on it.</summary>
public enum ConfigErrorKind
{
    /// <summary>None of local, remote, external or netbox is given.</summary>
    MissingPoolType,
    /// <summary>More than one of local, remote, external or netbox is given.</summary>
    MultiplePoolTypes,
    /// <summary>A <c>pool</c> text is not a CIDR or a valid <c>from-to</c> range (including reversed or mixed-family ranges).</summary>
    InvalidRange,
    /// <summary>A <c>subnet</c> text is not a CIDR.</summary>
    InvalidSubnet,
    /// <summary>A range is not inside its <c>subnet</c>.</summary>
    RangeOutsideSubnet,
    /// <summary>An IPv4 range is listed under v6pool(s), or the reverse.</summary>
    WrongFamily,
    /// <summary><c>aggregation</c> is not <c>default</c> or <c>/N</c> with N valid for the family.</summary>
    InvalidAggregation,
    /// <summary>A local or remote group has no ranges.</summary>
    NoRanges,
    /// <summary>Two ranges of the same group overlap or one contains the other.</summary>
    OverlappingRanges,
    /// <summary>A range overlaps or contains a range of an already accepted group.</summary>
    OverlapsOtherGroup,
    /// <summary>Another accepted group already has this name (in another namespace).</summary>
    DuplicateName,
    /// <summary><c>external.announce</c> is not exactly <c>local</c> or <c>remote</c>, the provider is empty, or <c>spec.netbox</c> is invalid.</summary>
    InvalidExternal,
    /// <summary>A namespace entry is not a DNS-1123 label, or enforce/default is set without namespaces.</summary>
    InvalidNamespaces,
    /// <summary>The group is outside the install namespace and is ignored (§2.1). Not an error of the object itself.</summary>
    OutOfScope,
}

/// <summary>One problem found while reading the ServiceGroups.</summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="Group">The ServiceGroup name.</param>
/// <param name="GroupNamespace">The ServiceGroup namespace.</param>
/// <param name="Field">Where inside the group, e.g. <c>spec.local.v4pools[1]</c>; null for the group as a whole.</param>
/// <param name="Range">The range text concerned, if any.</param>
/// <param name="Message">A sentence for events, logs and <c>purelb debug pools</c>.</param>
public sealed record ConfigProblem(
    ConfigErrorKind Kind, string Group, string GroupNamespace, string? Field, string? Range, string Message)
{
    public override string ToString() =>
        $"ServiceGroup {GroupNamespace}/{Group}{(Field is null ? "" : " " + Field)}: {Message}";
}
