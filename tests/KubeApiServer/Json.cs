using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeApiServer;

/// <summary>Small helpers over System.Text.Json.Nodes that do not care how a value is backed.</summary>
public static class Json
{
    public static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static double Num(JsonNode n) => double.Parse(n.ToJsonString(), CultureInfo.InvariantCulture);
    public static int Int(JsonNode n) => (int)Num(n);
    public static bool IsTrue(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    public static JsonObject Obj(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject o) return o;
        var created = new JsonObject();
        parent[key] = created;
        return created;
    }

    public static JsonObject Metadata(JsonObject obj) => Obj(obj, "metadata");

    public static string? Str(JsonNode? n, params string[] path)
    {
        foreach (var p in path) n = n is JsonObject o ? o[p] : null;
        return n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? (string?)v : n?.ToJsonString();
    }

    public static string Serialize(JsonNode node) => node.ToJsonString(Compact);

    public static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
