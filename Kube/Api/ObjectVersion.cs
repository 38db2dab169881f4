using System.Text.Json.Serialization;

namespace Purelb.Kube;

/// <summary>
/// What a writer usually needs from the object a write returns: which object (uid) and which version of it. Reading
/// a response into this skips building the whole object (its other fields are parsed past, never allocated).
/// </summary>
public sealed class ObjectVersion
{
    [JsonPropertyName("metadata")] public ObjectVersionMetadata? Metadata { get; set; }

    public string? ResourceVersion => Metadata?.ResourceVersion;
    public string? Uid => Metadata?.Uid;
}

public sealed class ObjectVersionMetadata
{
    [JsonPropertyName("resourceVersion")] public string? ResourceVersion { get; set; }
    [JsonPropertyName("uid")] public string? Uid { get; set; }
}
