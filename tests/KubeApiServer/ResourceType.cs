using System.Text.Json.Nodes;

namespace KubeApiServer;

/// <summary>One served resource at one group/version: what discovery shows and how the store treats it.</summary>
public sealed class ResourceType
{
    public required string Group { get; init; }
    public required string Version { get; init; }
    public required string Kind { get; init; }
    public required string Plural { get; init; }
    public string Singular { get; init; } = "";
    public bool Namespaced { get; init; }
    public bool HasStatus { get; init; }
    public string[] ShortNames { get; init; } = [];
    public string[] Categories { get; init; } = [];
    /// <summary>Objects of every version of a resource live in one storage bucket, keyed group/plural.</summary>
    public string StorageKey => $"{StorageGroup}/{Plural}";
    /// <summary>The group whose storage this version shares (events.k8s.io Events live with core Events).</summary>
    public string StorageGroup { get; init; } = "";
    /// <summary>Spec changes bump metadata.generation (custom resources, CRDs).</summary>
    public bool TracksGeneration { get; init; }
    /// <summary>PUT without metadata.resourceVersion is refused (custom resources).</summary>
    public bool RequiresResourceVersionOnUpdate { get; init; }
    public bool IsCustom { get; init; }
    public string[] Verbs { get; init; } = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    public JsonObject? Schema { get; init; }
    public IReadOnlyList<TableColumn> Columns { get; init; } = [];
    public ITypeBehavior Behavior { get; init; } = TypeBehavior.None;

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";
    public string GroupVersion => ApiVersion;
    public string PathPrefix => Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
}

/// <summary>Per-kind hooks: defaulting, validation, and conversion between storage and this version.</summary>
public interface ITypeBehavior
{
    /// <summary>Fill defaults and server-assigned fields before a write is stored.</summary>
    void PrepareForWrite(JsonObject obj, JsonObject? old) { }
    /// <summary>Field errors that make the write 422 Invalid.</summary>
    IEnumerable<FieldError> Validate(JsonObject obj, JsonObject? old) => [];
    /// <summary>Called after a change is stored (stored is null for a delete), e.g. to free allocated ports.</summary>
    void AfterCommit(JsonObject? stored, JsonObject? old) { }
    /// <summary>True when stored objects already are in this version's shape (no conversion needed to read them).</summary>
    bool StorageShapeIsServed => true;
    /// <summary>Convert from this version's shape into the stored shape.</summary>
    JsonObject ToStorage(JsonObject obj) => obj;
    /// <summary>Convert from the stored shape to this version's shape (a copy the caller may keep).</summary>
    JsonObject FromStorage(JsonObject stored) => (JsonObject)stored.DeepClone();
}

public sealed class TypeBehavior : ITypeBehavior
{
    public static readonly ITypeBehavior None = new TypeBehavior();
}

/// <summary>A Table column; Value renders the cell from the object in the served version.</summary>
public sealed record TableColumn(string Name, string Type, int Priority, string Description, Func<JsonObject, JsonNode?> Value, string Format = "");
