using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Purelb.Kube.Yaml;

/// <summary>
/// Finds JSON fields the target type does not have (typos such as `v4Pool`), walking the source-generated
/// type metadata, so a file is rejected as `kubectl apply --validate=strict` would reject it rather than
/// silently losing the field. Map values and untyped (object) fields are not looked into.
/// </summary>
public static class UnknownFields
{
    /// <summary>Paths (`spec.local.v4Pool`) of fields of <paramref name="node"/> unknown to <paramref name="type"/>.</summary>
    public static IReadOnlyList<string> Find(JsonNode? node, JsonTypeInfo type)
    {
        var found = new List<string>();
        Walk(node, type, "", found);
        return found;
    }

    private static void Walk(JsonNode? node, JsonTypeInfo type, string path, List<string> found)
    {
        switch (type.Kind)
        {
            case JsonTypeInfoKind.Object when node is JsonObject obj:
                foreach (var (name, value) in obj)
                {
                    var property = FindProperty(type, name);
                    var childPath = path.Length == 0 ? name : $"{path}.{name}";
                    if (property is null)
                    {
                        found.Add(childPath);
                    }
                    else if (ChildType(type, property.PropertyType) is { } childType)
                    {
                        Walk(value, childType, childPath, found);
                    }
                }
                break;
            case JsonTypeInfoKind.Enumerable when node is JsonArray array && type.ElementType is { } elementType:
                if (ChildType(type, elementType) is { } itemType)
                {
                    for (var i = 0; i < array.Count; i++)
                    {
                        Walk(array[i], itemType, $"{path}[{i}]", found);
                    }
                }
                break;
        }
    }

    private static JsonPropertyInfo? FindProperty(JsonTypeInfo type, string name)
    {
        foreach (var property in type.Properties)
        {
            if (property.Name == name)
            {
                return property;
            }
        }
        return null;
    }

    private static JsonTypeInfo? ChildType(JsonTypeInfo parent, Type type)
    {
        if (type == typeof(object))
        {
            return null;
        }
        try
        {
            return parent.Options.GetTypeInfo(type);
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }
}
