namespace Purelb.Kube.Yaml;

/// <summary>Why one object (or document) of one file cannot be used.</summary>
public sealed record ManifestProblem(string File, string Object, string Reason)
{
    public override string ToString() => $"{File}: {Object}: {Reason}";
}
