using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KubeApiServer;

/// <summary>meta.k8s.io/v1 Table rendering (what `kubectl get` prints) and CRD printer-column JSONPath.</summary>
public static class Tables
{
    public static readonly TableColumn NameColumn =
        new("Name", "string", 0, "Name must be unique within a namespace.", o => Json.Str(o, "metadata", "name"), "name");

    public static TableColumn AgeColumn(TimeProvider clock) =>
        new("Age", "string", 0, "CreationTimestamp is a timestamp representing the server time when this object was created.",
            o => Age(Json.Str(o, "metadata", "creationTimestamp"), clock));

    public static JsonObject Build(IReadOnlyList<TableColumn> columns, IEnumerable<JsonObject> objects, string resourceVersion,
        string? continueToken, string includeObject, bool withHeaders)
    {
        var defs = new JsonArray();
        if (withHeaders)
            foreach (var c in columns)
                defs.Add(new JsonObject
                {
                    ["name"] = c.Name, ["type"] = c.Type, ["format"] = c.Format,
                    ["description"] = c.Description, ["priority"] = c.Priority,
                });
        var rows = new JsonArray();
        foreach (var o in objects)
        {
            var cells = new JsonArray();
            foreach (var c in columns)
            {
                JsonNode? v;
                try { v = c.Value(o); } catch (Exception) { v = null; }
                cells.Add(v?.DeepClone());
            }
            var row = new JsonObject { ["cells"] = cells };
            if (includeObject == "Object") row["object"] = o.DeepClone();
            else if (includeObject != "None")
                row["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = o["metadata"]?.DeepClone(),
                };
            rows.Add(row);
        }
        var md = new JsonObject { ["resourceVersion"] = resourceVersion };
        if (!string.IsNullOrEmpty(continueToken)) md["continue"] = continueToken;
        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = md,
            ["columnDefinitions"] = defs,
            ["rows"] = rows,
        };
    }

    public static string Age(string? timestamp, TimeProvider clock)
    {
        if (timestamp == null || !DateTimeOffset.TryParse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            return "<unknown>";
        return HumanDuration(clock.GetUtcNow() - t);
    }

    /// <summary>The coarse age format kubectl users know ("45s", "3m2s", "5h", "2d3h").</summary>
    public static string HumanDuration(TimeSpan d)
    {
        var seconds = (long)d.TotalSeconds;
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 60 * 2) return $"{seconds}s";
        var minutes = seconds / 60;
        if (minutes < 10) { var s = seconds % 60; return s == 0 ? $"{minutes}m" : $"{minutes}m{s}s"; }
        if (minutes < 60 * 3) return $"{minutes}m";
        var hours = minutes / 60;
        if (hours < 8) { var m = minutes % 60; return m == 0 ? $"{hours}h" : $"{hours}h{m}m"; }
        if (hours < 48) return $"{hours}h";
        if (hours < 24 * 8) { var h = hours % 24; return h == 0 ? $"{hours / 24}d" : $"{hours / 24}d{h}h"; }
        if (hours < 24 * 365 * 2) return $"{hours / 24}d";
        if (hours < 24 * 365 * 8) { var dd = hours / 24 % 365; return dd == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{dd}d"; }
        return $"{hours / 24 / 365}y";
    }

    /// <summary>Columns from a CRD version's additionalPrinterColumns (Name first, Age last when absent).</summary>
    public static List<TableColumn> FromPrinterColumns(JsonArray? printerColumns, TimeProvider clock)
    {
        var cols = new List<TableColumn> { NameColumn };
        if (printerColumns == null || printerColumns.Count == 0) { cols.Add(AgeColumn(clock)); return cols; }
        foreach (var pcNode in printerColumns)
        {
            if (pcNode is not JsonObject pc) continue;
            var name = (string?)pc["name"] ?? "";
            var type = (string?)pc["type"] ?? "string";
            var path = (string?)pc["jsonPath"] ?? "";
            var priority = pc["priority"] is JsonNode p ? Json.Int(p) : 0;
            var description = (string?)pc["description"] ?? "";
            var format = (string?)pc["format"] ?? "";
            cols.Add(new TableColumn(name, type == "date" ? "date" : type, priority, description, o =>
            {
                var results = JsonPath.Evaluate(o, path);
                if (results.Count == 0 || results[0] == null) return null;
                var first = results[0]!;
                if (type == "date") return Age(Json.Str(first), clock);
                if (results.Count > 1) return string.Join(",", results.Select(r => Json.Str(r)));
                return type switch
                {
                    "integer" or "number" or "boolean" when first is JsonValue => first.DeepClone(),
                    _ => first is JsonValue v && v.GetValueKind() == JsonValueKind.String ? (string?)v : first.ToJsonString(),
                };
            }, format));
        }
        return cols;
    }
}

/// <summary>The JSONPath subset printer columns use: .a.b, [n], [*], [?(@.k=="v")].</summary>
public static class JsonPath
{
    public static List<JsonNode?> Evaluate(JsonNode root, string path)
    {
        var current = new List<JsonNode?> { root };
        var p = path.Trim();
        if (p.StartsWith('{') && p.EndsWith('}')) p = p[1..^1];
        if (p.StartsWith('$')) p = p[1..];
        int i = 0;
        while (i < p.Length && current.Count > 0)
        {
            if (p[i] == '.')
            {
                int j = i + 1;
                while (j < p.Length && p[j] != '.' && p[j] != '[') j++;
                var field = p[(i + 1)..j];
                current = current.Select(n => n is JsonObject o ? o[field] : null).Where(n => n != null).ToList();
                i = j;
            }
            else if (p[i] == '[')
            {
                int j = p.IndexOf(']', i);
                if (j < 0) return new();
                var inner = p[(i + 1)..j];
                if (inner.StartsWith("?(", StringComparison.Ordinal))
                {
                    j = p.IndexOf(")]", i, StringComparison.Ordinal) + 1;
                    inner = p[(i + 1)..j];
                    current = current.SelectMany(n => n is JsonArray a ? a : Enumerable.Empty<JsonNode?>()).Where(e => Filter(e, inner)).ToList();
                }
                else if (inner == "*")
                    current = current.SelectMany(n => n is JsonArray a ? a : n is JsonObject o ? o.Select(kv => kv.Value) : Enumerable.Empty<JsonNode?>()).ToList();
                else if (int.TryParse(inner, out var idx))
                    current = current.Select(n => n is JsonArray a ? (idx < 0 ? (a.Count + idx >= 0 ? a[a.Count + idx] : null) : idx < a.Count ? a[idx] : null) : null).Where(n => n != null).ToList();
                else
                {
                    var field = inner.Trim('\'', '"');
                    current = current.Select(n => n is JsonObject o ? o[field] : null).Where(n => n != null).ToList();
                }
                i = j + 1;
            }
            else return new();
        }
        return current;
    }

    static bool Filter(JsonNode? e, string expr)
    {
        // ?(@.field=="value") or ?(@.field)
        var body = expr[2..^1].Trim();
        var eq = body.IndexOf("==", StringComparison.Ordinal);
        var ne = body.IndexOf("!=", StringComparison.Ordinal);
        var opAt = eq >= 0 ? eq : ne;
        var lhs = (opAt >= 0 ? body[..opAt] : body).Trim();
        if (!lhs.StartsWith('@')) return false;
        var found = Evaluate(e!, lhs[1..]);
        if (opAt < 0) return found.Count > 0;
        var rhs = body[(opAt + 2)..].Trim().Trim('\'', '"');
        var match = found.Count > 0 && Json.Str(found[0]) == rhs;
        return eq >= 0 ? match : !match;
    }
}
