namespace Purelb.Kube;

public enum PatchKind
{
    /// <summary>RFC 7386 JSON merge patch (application/merge-patch+json); null deletes a key.</summary>
    Merge,
    /// <summary>RFC 6902 JSON patch (application/json-patch+json).</summary>
    Json,
}
