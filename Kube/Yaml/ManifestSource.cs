namespace Purelb.Kube.Yaml;

/// <summary>Where an object came from: file, the line its document starts on, and its identity.</summary>
public sealed record ManifestSource(string File, int Line, string Kind, string? Namespace, string? Name)
{
    /// <summary>`ServiceGroup purelb-system/default`, or `ServiceGroup at line 12` for an unnamed object.</summary>
    public string ObjectName => Name is null or ""
        ? $"{(Kind.Length == 0 ? "document" : Kind)} at line {Line}"
        : $"{(Kind.Length == 0 ? "object" : Kind)} {(Namespace is null or "" ? Name : $"{Namespace}/{Name}")}";

    public override string ToString() => $"{File}:{Line}: {ObjectName}";
}
