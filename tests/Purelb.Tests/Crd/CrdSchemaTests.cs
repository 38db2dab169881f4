using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Purelb.Kube.Crd;
using Xunit;

namespace Purelb.Tests.Crd;

/// <summary>The CRD schemas and the C# types describe the same fields, with compatible types, both ways.</summary>
public class CrdSchemaTests
{
    public static TheoryData<string, string> Crds => new()
    {
        { "purelb.io_servicegroups.yaml", nameof(ServiceGroup) },
        { "purelb.io_lbnodeagents.yaml", nameof(LBNodeAgent) },
    };

    private static JsonTypeInfo TypeOf(string kind) => kind switch
    {
        nameof(ServiceGroup) => CrdJsonContext.Default.ServiceGroup,
        nameof(LBNodeAgent) => CrdJsonContext.Default.LBNodeAgent,
        _ => throw new ArgumentException(kind),
    };

    [Theory]
    [MemberData(nameof(Crds))]
    public void Schema_names_every_CSharp_field_and_nothing_else(string file, string kind)
    {
        var schema = CrdManifests.Schema(CrdManifests.LoadCrd(file));
        var mismatches = new List<string>();
        Compare(TypeOf(kind), schema, kind, mismatches);
        Assert.Empty(mismatches);
    }

    [Theory]
    [MemberData(nameof(Crds))]
    public void Spec_and_status_are_compared_recursively(string file, string kind)
    {
        // Guards the test above against passing vacuously: it must have walked deep fields of both parts.
        var visited = new List<string>();
        Compare(TypeOf(kind), CrdManifests.Schema(CrdManifests.LoadCrd(file)), kind, [], visited);
        Assert.Contains(visited, p => p.StartsWith($"{kind}.spec.", StringComparison.Ordinal) && p.Count(c => c == '.') >= 3);
        Assert.Contains(visited, p => p.StartsWith($"{kind}.status.", StringComparison.Ordinal));
    }

    [Fact]
    public void Field_walk_reports_a_field_missing_from_the_schema()
    {
        var schema = CrdManifests.Schema(CrdManifests.LoadCrd("purelb.io_servicegroups.yaml"));
        var local = (JsonObject)schema["properties"]!["spec"]!["properties"]!["local"]!["properties"]!;
        local.Remove("skipIPv6DAD");
        local["extraField"] = new JsonObject { ["type"] = "string" };
        var mismatches = new List<string>();
        Compare(CrdJsonContext.Default.ServiceGroup, schema, "ServiceGroup", mismatches);
        Assert.Contains("ServiceGroup.spec.local.skipIPv6DAD: not in the schema", mismatches);
        Assert.Contains("ServiceGroup.spec.local.extraField: in the schema but not in C#", mismatches);
    }

    private static void Compare(JsonTypeInfo type, JsonObject schema, string path, List<string> mismatches, List<string>? visited = null)
    {
        visited?.Add(path);
        var schemaType = (string?)schema["type"];
        switch (type.Kind)
        {
            case JsonTypeInfoKind.Object:
                Expect(schemaType == "object", $"{path}: C# object, schema type {schemaType}", mismatches);
                if (path.EndsWith(".metadata", StringComparison.Ordinal))
                {
                    return; // ObjectMeta is the API server's, never described by a CRD.
                }
                var schemaProperties = schema["properties"] as JsonObject ?? [];
                var names = new HashSet<string>();
                foreach (var property in type.Properties)
                {
                    names.Add(property.Name);
                    if (schemaProperties[property.Name] is not JsonObject child)
                    {
                        mismatches.Add($"{path}.{property.Name}: not in the schema");
                        continue;
                    }
                    Compare(type.Options.GetTypeInfo(property.PropertyType), child, $"{path}.{property.Name}", mismatches, visited);
                }
                foreach (var (name, _) in schemaProperties)
                {
                    if (!names.Contains(name))
                    {
                        mismatches.Add($"{path}.{name}: in the schema but not in C#");
                    }
                }
                break;
            case JsonTypeInfoKind.Enumerable:
                Expect(schemaType == "array", $"{path}: C# list, schema type {schemaType}", mismatches);
                if (schema["items"] is JsonObject items)
                {
                    Compare(type.Options.GetTypeInfo(type.ElementType!), items, $"{path}[]", mismatches, visited);
                }
                else
                {
                    mismatches.Add($"{path}: array without items");
                }
                break;
            case JsonTypeInfoKind.Dictionary:
                Expect(schemaType == "object" && schema["additionalProperties"] is JsonObject, $"{path}: C# map, schema is not a map", mismatches);
                break;
            default:
                var expected = ScalarSchemaType(type.Type);
                Expect(expected == schemaType, $"{path}: C# {type.Type.Name} wants schema type {expected}, schema has {schemaType}", mismatches);
                var underlying = Nullable.GetUnderlyingType(type.Type) ?? type.Type;
                if (underlying == typeof(long) || underlying == typeof(int))
                {
                    var format = underlying == typeof(long) ? "int64" : "int32";
                    Expect((string?)schema["format"] == format, $"{path}: C# {underlying.Name} wants format {format}", mismatches);
                }
                break;
        }
    }

    private static string ScalarSchemaType(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t == typeof(string))
        {
            return "string";
        }
        if (t == typeof(bool))
        {
            return "boolean";
        }
        if (t == typeof(int) || t == typeof(long))
        {
            return "integer";
        }
        return $"(unmapped {t.Name})";
    }

    private static void Expect(bool condition, string message, List<string> mismatches)
    {
        if (!condition)
        {
            mismatches.Add(message);
        }
    }
}
