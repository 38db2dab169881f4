using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KubeApiServer;

/// <summary>
/// The structural-schema subset of a CRD's openAPIV3Schema that the real server enforces: defaulting,
/// pruning of unknown fields, and type/required/enum/pattern/format/bounds validation.
/// </summary>
public static class SchemaValidator
{
    /// <summary>Applies defaults in place, then removes unknown fields (returned as paths).</summary>
    public static List<string> DefaultAndPrune(JsonObject obj, JsonObject schema)
    {
        var unknown = new List<string>();
        ApplyDefaults(obj, schema);
        PruneObject(obj, schema, "", unknown, root: true);
        return unknown;
    }

    static void ApplyDefaults(JsonNode? node, JsonObject schema)
    {
        if (node is JsonObject o)
        {
            if (schema["properties"] is JsonObject props)
                foreach (var (name, sub) in props)
                {
                    if (sub is not JsonObject s) continue;
                    if (!o.ContainsKey(name) && s["default"] != null) o[name] = s["default"]!.DeepClone();
                    if (o[name] != null) ApplyDefaults(o[name], s);
                }
            else if (schema["additionalProperties"] is JsonObject ap)
                foreach (var (_, v) in o) ApplyDefaults(v, ap);
        }
        else if (node is JsonArray a && schema["items"] is JsonObject items)
            foreach (var e in a) ApplyDefaults(e, items);
    }

    static void PruneObject(JsonObject o, JsonObject schema, string path, List<string> unknown, bool root = false)
    {
        if (Preserve(schema)) return;
        var props = schema["properties"] as JsonObject;
        var additional = schema["additionalProperties"];
        foreach (var key in o.Select(kv => kv.Key).ToList())
        {
            var childPath = path.Length == 0 ? key : $"{path}.{key}";
            if (root && (key == "apiVersion" || key == "kind" || key == "metadata")) continue;
            JsonObject? sub = props?[key] as JsonObject;
            if (sub == null && additional is JsonObject ap) sub = ap;
            if (sub == null && Json.IsTrue(additional)) continue;
            if (sub == null) { unknown.Add(childPath); o.Remove(key); continue; }
            Prune(o[key], sub, childPath, unknown);
        }
    }

    static void Prune(JsonNode? node, JsonObject schema, string path, List<string> unknown)
    {
        if (node is JsonObject o) PruneObject(o, schema, path, unknown);
        else if (node is JsonArray a && schema["items"] is JsonObject items)
            for (int i = 0; i < a.Count; i++) Prune(a[i], items, $"{path}[{i}]", unknown);
    }

    static bool Preserve(JsonObject schema) =>
        Json.IsTrue(schema["x-kubernetes-preserve-unknown-fields"]);

    public static List<FieldError> Validate(JsonObject obj, JsonObject schema)
    {
        var errors = new List<FieldError>();
        if (schema["properties"] is JsonObject props)
            foreach (var (name, sub) in props)
            {
                if (name is "metadata" or "apiVersion" or "kind" || sub is not JsonObject s) continue;
                if (obj[name] != null || obj.ContainsKey(name)) Check(obj[name], s, name, errors);
            }
        RequiredOf(obj, schema, "", errors);
        Rules(obj, schema, "<root>", errors);
        return errors;
    }

    /// <summary>x-kubernetes-validations: CEL rules evaluated with self = this value.</summary>
    static void Rules(JsonNode node, JsonObject schema, string path, List<FieldError> errors)
    {
        if (schema["x-kubernetes-validations"] is not JsonArray rules) return;
        foreach (var r in rules.OfType<JsonObject>())
        {
            var rule = (string?)r["rule"];
            if (rule == null) continue;
            var field = (string?)r["fieldPath"] is { } fp ? path + fp : path;
            try
            {
                if (!Cel.Holds(rule, node))
                    errors.Add(FieldError.Invalid(field, Show(node), (string?)r["message"] ?? $"failed rule: {rule}"));
            }
            catch (Cel.CelError e)
            {
                errors.Add(FieldError.Invalid(field, Show(node), $"{(string?)r["message"] ?? "failed rule: " + rule}: {e.Message}"));
            }
            catch (Cel.Unsupported)
            {
                // Outside the CEL subset we evaluate (or a transition rule): not enforced.
            }
        }
    }

    static void RequiredOf(JsonObject o, JsonObject schema, string path, List<FieldError> errors)
    {
        if (schema["required"] is not JsonArray req) return;
        foreach (var r in req)
        {
            var name = (string)r!;
            if (path.Length == 0 && name is "metadata" or "apiVersion" or "kind") continue;
            if (o[name] == null) errors.Add(FieldError.Required(path.Length == 0 ? name : $"{path}.{name}"));
        }
    }

    static string Show(JsonNode? n) => n switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => "\"" + (string)v! + "\"",
        JsonObject => "\"object\"",
        JsonArray => "\"array\"",
        _ => n.ToJsonString(),
    };

    static string TypeName(JsonNode? n) => n switch
    {
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Number => IsInteger(v) ? "integer" : "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        },
        _ => "null",
    };

    static bool IsInteger(JsonValue v)
    {
        var text = v.ToJsonString();
        return !text.Contains('.') && !text.Contains('e') && !text.Contains('E');
    }

    static void Check(JsonNode? node, JsonObject schema, string path, List<FieldError> errors)
    {
        if (node == null)
        {
            if (!(Json.IsTrue(schema["nullable"])))
                errors.Add(FieldError.TypeInvalid(path, "\"null\"", $"{path} in body must be of type {(string?)schema["type"] ?? "object"}: \"null\""));
            return;
        }
        var actual = TypeName(node);
        var want = (string?)schema["type"];
        bool intOrString = Json.IsTrue(schema["x-kubernetes-int-or-string"]);
        if (intOrString)
        {
            if (actual != "integer" && actual != "string")
            { errors.Add(FieldError.TypeInvalid(path, Show(node), $"{path} in body must be of type integer or string: \"{actual}\"")); return; }
        }
        else if (want != null && !(want == actual || (want == "number" && actual == "integer")))
        {
            errors.Add(FieldError.TypeInvalid(path, Show(node), $"{path} in body must be of type {want}: \"{actual}\""));
            return;
        }

        if (schema["enum"] is JsonArray en && !en.Any(e => JsonNode.DeepEquals(e, node)))
            errors.Add(FieldError.NotSupported(path, Show(node), en.Select(Show)));

        switch (node)
        {
            case JsonValue v when actual == "string":
                CheckString((string)v!, schema, path, errors);
                Rules(v, schema, path, errors);
                break;
            case JsonValue v when actual is "integer" or "number":
                CheckNumber(Json.Num(v), node, schema, path, errors);
                Rules(v, schema, path, errors);
                break;
            case JsonArray a:
                Rules(a, schema, path, errors);
                if (schema["maxItems"] is JsonValue mx && a.Count > Json.Int(mx)) errors.Add(FieldError.TooMany(path, a.Count, Json.Int(mx)));
                if (schema["minItems"] is JsonValue mn && a.Count < Json.Int(mn))
                    errors.Add(FieldError.Invalid(path, a.Count.ToString(), $"{path} in body should have at least {Json.Int(mn)} items"));
                if (schema["items"] is JsonObject items)
                    for (int i = 0; i < a.Count; i++) Check(a[i], items, $"{path}[{i}]", errors);
                break;
            case JsonObject o:
                Rules(o, schema, path, errors);
                if (schema["properties"] is JsonObject props)
                    foreach (var (name, sub) in props)
                        if (sub is JsonObject s && o.ContainsKey(name)) Check(o[name], s, $"{path}.{name}", errors);
                if (schema["additionalProperties"] is JsonObject ap)
                    foreach (var (name, val) in o)
                        if (!(schema["properties"] is JsonObject p2 && p2.ContainsKey(name))) Check(val, ap, $"{path}.{name}", errors);
                if (schema["maxProperties"] is JsonValue mp && o.Count > Json.Int(mp))
                    errors.Add(FieldError.TooMany(path, o.Count, Json.Int(mp)));
                RequiredOf(o, schema, path, errors);
                break;
        }
    }

    static void CheckString(string s, JsonObject schema, string path, List<FieldError> errors)
    {
        if (schema["maxLength"] is JsonValue ml && s.Length > Json.Int(ml)) errors.Add(FieldError.TooLong(path, Json.Int(ml)));
        if (schema["minLength"] is JsonValue mn && s.Length < Json.Int(mn))
            errors.Add(FieldError.Invalid(path, Show(s), $"{path} in body should be at least {Json.Int(mn)} chars long"));
        if (schema["pattern"] is JsonValue pv)
        {
            var pattern = (string)pv!;
            if (!Regex.IsMatch(s, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
                errors.Add(FieldError.Invalid(path, Show(s), $"{path} in body should match '{pattern}'"));
        }
        if (schema["format"] is JsonValue fv && !FormatOk((string)fv!, s))
            errors.Add(FieldError.Invalid(path, Show(s), $"{path} in body must be of type {(string)fv!}: {Show(s)}"));
    }

    static bool FormatOk(string format, string s) => format switch
    {
        "ipv4" => IPAddress.TryParse(s, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && s.Count(c => c == '.') == 3,
        "ipv6" => IPAddress.TryParse(s, out var a6) && a6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6,
        "ip" => IPAddress.TryParse(s, out _),
        "cidr" => IPNetwork.TryParse(s, out _),
        "date-time" => DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
        "uuid" => Guid.TryParse(s, out _),
        _ => true,
    };

    static void CheckNumber(double d, JsonNode node, JsonObject schema, string path, List<FieldError> errors)
    {
        bool exclusiveMin = Json.IsTrue(schema["exclusiveMinimum"]);
        bool exclusiveMax = Json.IsTrue(schema["exclusiveMaximum"]);
        if (schema["minimum"] is JsonValue min)
        {
            var m = Json.Num(min);
            if (exclusiveMin ? d <= m : d < m)
                errors.Add(FieldError.Invalid(path, node.ToJsonString(), $"{path} in body should be greater than {(exclusiveMin ? "" : "or equal to ")}{min.ToJsonString()}"));
        }
        if (schema["maximum"] is JsonValue max)
        {
            var m = Json.Num(max);
            if (exclusiveMax ? d >= m : d > m)
                errors.Add(FieldError.Invalid(path, node.ToJsonString(), $"{path} in body should be less than {(exclusiveMax ? "" : "or equal to ")}{max.ToJsonString()}"));
        }
    }
}
