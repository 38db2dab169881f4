using System.Text.Json.Nodes;

namespace KubeApiServer;

/// <summary>The three patch formats kubectl and client libraries send.</summary>
public static class Patching
{
    /// <summary>RFC 7386: objects merge recursively, null deletes, anything else replaces.</summary>
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p) return patch?.DeepClone();
        var result = target is JsonObject t ? (JsonObject)t.DeepClone() : new JsonObject();
        foreach (var (key, value) in p)
        {
            if (value == null) result.Remove(key);
            else result[key] = MergePatch(result[key], value);
        }
        return result;
    }

    /// <summary>RFC 6902 operations add/remove/replace/move/copy/test.</summary>
    public static JsonNode ApplyJsonPatch(JsonNode target, JsonNode? patch)
    {
        if (patch is not JsonArray ops) throw ApiError.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        var doc = target.DeepClone();
        foreach (var opNode in ops)
        {
            if (opNode is not JsonObject op) throw ApiError.BadRequest("invalid JSON patch operation");
            var kind = (string?)op["op"] ?? throw ApiError.BadRequest("missing op in JSON patch");
            var path = (string?)op["path"] ?? throw ApiError.BadRequest("missing path in JSON patch");
            switch (kind)
            {
                case "add": doc = Add(doc, path, op["value"]?.DeepClone()); break;
                case "remove": doc = Remove(doc, path, out _); break;
                case "replace":
                    doc = Remove(doc, path, out _);
                    doc = Add(doc, path, op["value"]?.DeepClone());
                    break;
                case "move":
                {
                    doc = Remove(doc, (string)op["from"]!, out var moved);
                    doc = Add(doc, path, moved);
                    break;
                }
                case "copy":
                    doc = Add(doc, path, Resolve(doc, (string)op["from"]!)?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Resolve(doc, path), op["value"]))
                        throw new ApiError(422, "Invalid", $"the server rejected our request due to an error in our request: testing value {path} failed");
                    break;
                default: throw ApiError.BadRequest($"Unexpected kind: {kind}");
            }
        }
        return doc;
    }

    static List<string> Tokens(string path)
    {
        if (path == "") return new();
        if (!path.StartsWith('/')) throw ApiError.BadRequest($"JSON pointer must start with '/': {path}");
        return path[1..].Split('/').Select(t => t.Replace("~1", "/").Replace("~0", "~")).ToList();
    }

    static JsonNode? Resolve(JsonNode doc, string path)
    {
        JsonNode? node = doc;
        foreach (var t in Tokens(path))
        {
            node = node switch
            {
                JsonObject o => o.TryGetPropertyValue(t, out var v) ? v : throw Missing(path),
                JsonArray a when int.TryParse(t, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw Missing(path),
            };
        }
        return node;
    }

    static ApiError Missing(string path) =>
        new(422, "Invalid", $"the server rejected our request due to an error in our request: doc is missing path: \"{path}\": missing value");

    static JsonNode Add(JsonNode doc, string path, JsonNode? value)
    {
        var tokens = Tokens(path);
        if (tokens.Count == 0) return value ?? throw ApiError.BadRequest("cannot replace the document with null");
        var parent = Resolve(doc, "/" + string.Join('/', tokens.Take(tokens.Count - 1).Select(Escape)));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o: o[last] = value; break;
            case JsonArray a:
                if (last == "-") a.Add(value);
                else if (int.TryParse(last, out var i) && i >= 0 && i <= a.Count) a.Insert(i, value);
                else throw Missing(path);
                break;
            default: throw Missing(path);
        }
        return doc;
    }

    static JsonNode Remove(JsonNode doc, string path, out JsonNode? removed)
    {
        var tokens = Tokens(path);
        if (tokens.Count == 0) throw ApiError.BadRequest("cannot remove the whole document");
        var parent = Resolve(doc, "/" + string.Join('/', tokens.Take(tokens.Count - 1).Select(Escape)));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.TryGetPropertyValue(last, out removed):
                o.Remove(last);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                removed = a[i];
                a.RemoveAt(i);
                break;
            default: throw Missing(path);
        }
        return doc;
    }

    static string Escape(string t) => t.Replace("~", "~0").Replace("/", "~1");

    /// <summary>
    /// Strategic merge patch, as far as our built-in kinds need it: lists whose field name has a known
    /// merge key merge element-wise (honouring $patch: delete/replace and $setElementOrder), other lists
    /// replace, and the $retainKeys / $deleteFromPrimitiveList directives are honoured.
    /// </summary>
    public static JsonNode? StrategicMergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject p) return patch?.DeepClone();
        if ((string?)p["$patch"] == "replace")
        {
            var copy = (JsonObject)p.DeepClone();
            copy.Remove("$patch");
            return copy;
        }
        if ((string?)p["$patch"] == "delete") return null;
        var result = target is JsonObject t ? (JsonObject)t.DeepClone() : new JsonObject();
        if (p["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(n => (string)n!).ToHashSet();
            foreach (var k in result.Select(kv => kv.Key).ToList())
                if (!keep.Contains(k)) result.Remove(k);
        }
        foreach (var (key, value) in p)
        {
            if (key == "$retainKeys" || key == "$patch" || key.StartsWith("$setElementOrder/", StringComparison.Ordinal)) continue;
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var field = key["$deleteFromPrimitiveList/".Length..];
                if (result[field] is JsonArray arr && value is JsonArray del)
                    foreach (var d in del)
                        foreach (var item in arr.Where(x => JsonNode.DeepEquals(x, d)).ToList()) arr.Remove(item);
                continue;
            }
            if (value == null) { result.Remove(key); continue; }
            if (value is JsonArray list && MergeKeys.TryGetValue(key, out var mergeKey) && list.All(e => e is JsonObject))
            {
                result[key] = MergeList(result[key] as JsonArray, list, mergeKey, p["$setElementOrder/" + key] as JsonArray);
                continue;
            }
            if (value is JsonArray plain && plain.Any(e => e is JsonObject o && o.ContainsKey("$patch")))
            {
                result[key] = new JsonArray(plain.Where(e => !(e is JsonObject o && o.ContainsKey("$patch"))).Select(e => e?.DeepClone()).ToArray());
                continue;
            }
            var merged = StrategicMergePatch(result[key], value);
            if (merged == null) result.Remove(key); else result[key] = merged;
        }
        return result;
    }

    /// <summary>Merge keys of list fields in the kinds we serve (field name → key).</summary>
    static readonly Dictionary<string, string> MergeKeys = new()
    {
        ["ports"] = "port",
        ["conditions"] = "type",
        ["containers"] = "name",
        ["initContainers"] = "name",
        ["volumes"] = "name",
        ["env"] = "name",
        ["addresses"] = "type",
        ["taints"] = "key",
        ["ownerReferences"] = "uid",
    };

    static JsonArray MergeList(JsonArray? current, JsonArray patch, string mergeKey, JsonArray? order)
    {
        var items = new List<JsonNode?>(current?.Select(n => n?.DeepClone()) ?? []);
        int IndexOf(JsonNode? key) => items.FindIndex(i => i is JsonObject o && JsonNode.DeepEquals(o[mergeKey], key));
        foreach (var e in patch)
        {
            var po = (JsonObject)e!;
            var key = po[mergeKey];
            var idx = IndexOf(key);
            var directive = (string?)po["$patch"];
            if (directive == "delete") { if (idx >= 0) items.RemoveAt(idx); continue; }
            if (directive == "replace") { items = patch.Where(x => (string?)x!["$patch"] != "replace").Select(x => x?.DeepClone()).ToList(); break; }
            if (idx >= 0) items[idx] = StrategicMergePatch(items[idx], po);
            else items.Add(po.DeepClone());
        }
        if (order != null)
        {
            var ordered = new List<JsonNode?>();
            foreach (var o in order)
            {
                var idx = IndexOf(o?[mergeKey]);
                if (idx >= 0) { ordered.Add(items[idx]); items.RemoveAt(idx); }
            }
            ordered.AddRange(items);
            items = ordered;
        }
        return new JsonArray(items.ToArray());
    }
}
