using System.Text.Json.Nodes;

namespace KubeApiServer;

/// <summary>CRD objects: checked for the fields the real server insists on; status set as its controllers would.</summary>
public sealed class CrdBehavior : ITypeBehavior
{
    public void PrepareForWrite(JsonObject obj, JsonObject? old)
    {
        var spec = obj["spec"] as JsonObject ?? new JsonObject();
        var names = (JsonObject?)spec["names"]?.DeepClone() ?? new JsonObject();
        names["singular"] ??= ((string?)names["kind"] ?? "").ToLowerInvariant();
        names["listKind"] ??= (string?)names["kind"] + "List";
        if (spec["names"] is JsonObject sn) { sn["singular"] ??= names["singular"]!.DeepClone(); sn["listKind"] ??= names["listKind"]!.DeepClone(); }
        spec["conversion"] ??= new JsonObject { ["strategy"] = "None" };
        var now = Json.Now();
        var storage = (spec["versions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(v => Json.IsTrue(v["storage"]));
        var stored = old?["status"]?["storedVersions"] as JsonArray;
        var storedVersions = stored?.Select(n => (string?)n).ToList() ?? new();
        if (storage != null && !storedVersions.Contains((string?)storage["name"])) storedVersions.Add((string?)storage["name"]);
        obj["status"] = new JsonObject
        {
            ["acceptedNames"] = names,
            ["conditions"] = new JsonArray(
                Condition("NamesAccepted", "NoConflicts", "no conflicts found", now),
                Condition("Established", "InitialNamesAccepted", "the initial names have been accepted", now)),
            ["storedVersions"] = new JsonArray(storedVersions.Select(v => (JsonNode?)v).ToArray()),
        };
    }

    static JsonObject Condition(string type, string reason, string message, string now) => new()
    {
        ["type"] = type, ["status"] = "True", ["lastTransitionTime"] = now, ["reason"] = reason, ["message"] = message,
    };

    public IEnumerable<FieldError> Validate(JsonObject obj, JsonObject? old)
    {
        var spec = obj["spec"] as JsonObject;
        var group = (string?)spec?["group"];
        var plural = (string?)spec?["names"]?["plural"];
        if (string.IsNullOrEmpty(group)) yield return FieldError.Required("spec.group");
        if (string.IsNullOrEmpty(plural)) yield return FieldError.Required("spec.names.plural");
        if (string.IsNullOrEmpty((string?)spec?["names"]?["kind"])) yield return FieldError.Required("spec.names.kind");
        var scope = (string?)spec?["scope"];
        if (scope is not ("Namespaced" or "Cluster")) yield return FieldError.NotSupported("spec.scope", $"\"{scope}\"", ["\"Cluster\"", "\"Namespaced\""]);
        var name = Json.Str(obj, "metadata", "name");
        if (group != null && plural != null && name != $"{plural}.{group}")
            yield return FieldError.Invalid("metadata.name", $"\"{name}\"", "must be spec.names.plural+\".\"+spec.group");
        var versions = spec?["versions"] as JsonArray;
        if (versions == null || versions.Count == 0) { yield return FieldError.Required("spec.versions", "must have exactly one version marked as storage version"); yield break; }
        if (versions.OfType<JsonObject>().Count(v => Json.IsTrue(v["storage"])) != 1)
            yield return FieldError.Invalid("spec.versions", "[]apiextensions.CustomResourceDefinitionVersion{...}", "must have exactly one version marked as storage version");
        for (int i = 0; i < versions.Count; i++)
            if (versions[i]?["schema"]?["openAPIV3Schema"] == null)
                yield return FieldError.Required($"spec.versions[{i}].schema.openAPIV3Schema", "schemas are required");
        if (old != null && (string?)old["spec"]?["group"] != group) yield return FieldError.Invalid("spec.group", $"\"{group}\"", "field is immutable");
        if (old != null && (string?)old["spec"]?["scope"] != scope) yield return FieldError.Invalid("spec.scope", $"\"{scope}\"", "field is immutable");
    }

    /// <summary>The served resource types one CRD defines (one per served version).</summary>
    public static IEnumerable<ResourceType> TypesOf(JsonObject crd, TimeProvider clock)
    {
        var spec = crd["spec"]!.AsObject();
        var group = (string)spec["group"]!;
        var names = spec["names"]!.AsObject();
        var storageVersion = (string?)((spec["versions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(v => Json.IsTrue(v["storage"]))?["name"]) ?? "";
        foreach (var v in (spec["versions"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
        {
            if (!Json.IsTrue(v["served"])) continue;
            var version = (string)v["name"]!;
            yield return new ResourceType
            {
                Group = group, Version = version, Kind = (string)names["kind"]!, Plural = (string)names["plural"]!,
                Singular = (string?)names["singular"] ?? ((string)names["kind"]!).ToLowerInvariant(),
                ShortNames = (names["shortNames"] as JsonArray)?.Select(n => (string)n!).ToArray() ?? [],
                Categories = (names["categories"] as JsonArray)?.Select(n => (string)n!).ToArray() ?? [],
                Namespaced = (string?)spec["scope"] == "Namespaced",
                HasStatus = v["subresources"]?["status"] != null,
                StorageGroup = group, TracksGeneration = true, RequiresResourceVersionOnUpdate = true, IsCustom = true,
                Schema = v["schema"]?["openAPIV3Schema"] as JsonObject,
                Columns = Tables.FromPrinterColumns(v["additionalPrinterColumns"] as JsonArray, clock),
                Behavior = new CustomResourceBehavior($"{group}/{version}", $"{group}/{storageVersion}"),
            };
        }
    }
}

/// <summary>Custom resources: versions convert by relabelling apiVersion (strategy None); names are subdomains.</summary>
public sealed class CustomResourceBehavior(string servedApiVersion, string storageApiVersion) : ITypeBehavior
{
    public bool StorageShapeIsServed => servedApiVersion == storageApiVersion;

    public JsonObject ToStorage(JsonObject obj)
    {
        obj["apiVersion"] = storageApiVersion;
        return obj;
    }

    public JsonObject FromStorage(JsonObject stored)
    {
        var copy = (JsonObject)stored.DeepClone();
        copy["apiVersion"] = servedApiVersion;
        return copy;
    }

    public IEnumerable<FieldError> Validate(JsonObject obj, JsonObject? old)
    {
        if (NameRules.CheckSubdomain(Json.Str(obj, "metadata", "name") ?? "") is { } e) yield return e;
    }
}
