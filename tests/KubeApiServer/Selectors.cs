using System.Text.Json.Nodes;

namespace KubeApiServer;

/// <summary>Label selector: a=b, a==b, a!=b, a in (x,y), a notin (x), a, !a — comma means AND.</summary>
public sealed class LabelSelector
{
    readonly List<Func<IReadOnlyDictionary<string, string>, bool>> _terms = new();

    public static LabelSelector? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var sel = new LabelSelector();
        foreach (var raw in SplitTopLevel(text))
        {
            var term = raw.Trim();
            if (term.Length == 0) continue;
            var inIdx = IndexOfWord(term, " notin ");
            if (inIdx < 0) inIdx = IndexOfWord(term, " in ");
            if (inIdx >= 0)
            {
                bool notIn = term.Substring(inIdx).TrimStart().StartsWith("notin", StringComparison.Ordinal);
                var key = term[..inIdx].Trim();
                var rest = term[(inIdx + (notIn ? 7 : 4))..].Trim();
                if (!rest.StartsWith('(') || !rest.EndsWith(')'))
                    throw ApiError.BadRequest($"unable to parse requirement: invalid label selector \"{text}\"");
                var values = rest[1..^1].Split(',').Select(v => v.Trim()).ToHashSet();
                sel._terms.Add(notIn ? l => !l.TryGetValue(key, out var v) || !values.Contains(v)
                                     : l => l.TryGetValue(key, out var v) && values.Contains(v));
            }
            else if (term.Contains("!="))
            {
                var (k, v) = SplitOp(term, "!=");
                sel._terms.Add(l => !l.TryGetValue(k, out var x) || x != v);
            }
            else if (term.Contains("=="))
            {
                var (k, v) = SplitOp(term, "==");
                sel._terms.Add(l => l.TryGetValue(k, out var x) && x == v);
            }
            else if (term.Contains('='))
            {
                var (k, v) = SplitOp(term, "=");
                sel._terms.Add(l => l.TryGetValue(k, out var x) && x == v);
            }
            else if (term.StartsWith('!'))
            {
                var k = term[1..].Trim();
                sel._terms.Add(l => !l.ContainsKey(k));
            }
            else
            {
                if (term.Any(char.IsWhiteSpace) || term.Contains('(') || term.Contains(')'))
                    throw ApiError.BadRequest($"unable to parse requirement: invalid label selector \"{text}\"");
                sel._terms.Add(l => l.ContainsKey(term));
            }
        }
        return sel;
    }

    static int IndexOfWord(string s, string w) => s.IndexOf(w, StringComparison.Ordinal);

    static (string, string) SplitOp(string term, string op)
    {
        var i = term.IndexOf(op, StringComparison.Ordinal);
        return (term[..i].Trim(), term[(i + op.Length)..].Trim());
    }

    /// <summary>Splits on commas outside parentheses.</summary>
    internal static IEnumerable<string> SplitTopLevel(string text)
    {
        int depth = 0, start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '(') depth++;
            else if (text[i] == ')') depth--;
            else if (text[i] == ',' && depth == 0) { yield return text[start..i]; start = i + 1; }
        }
        yield return text[start..];
    }

    public bool Matches(JsonObject obj)
    {
        var labels = new Dictionary<string, string>();
        if (obj["metadata"]?["labels"] is JsonObject l)
            foreach (var kv in l) labels[kv.Key] = kv.Value?.ToString() ?? "";
        return _terms.All(t => t(labels));
    }
}

/// <summary>Field selector: path=value, path==value, path!=value over dotted object paths.</summary>
public sealed class FieldSelector
{
    readonly List<(string Path, string Value, bool Negate)> _terms = new();

    public static FieldSelector? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var sel = new FieldSelector();
        foreach (var raw in text.Split(','))
        {
            var term = raw.Trim();
            if (term.Length == 0) continue;
            string op = term.Contains("!=") ? "!=" : term.Contains("==") ? "==" : term.Contains('=') ? "=" : "";
            if (op == "") throw ApiError.BadRequest($"invalid selector: '{text}'; can't understand '{term}'");
            var i = term.IndexOf(op, StringComparison.Ordinal);
            sel._terms.Add((term[..i].Trim(), term[(i + op.Length)..].Trim(), op == "!="));
        }
        return sel;
    }

    public IEnumerable<string> Paths => _terms.Select(t => t.Path);

    public bool Matches(JsonObject obj)
    {
        foreach (var (path, value, negate) in _terms)
        {
            var actual = Lookup(obj, path);
            if ((actual == value) == negate) return false;
        }
        return true;
    }

    static string Lookup(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var part in path.Split('.'))
        {
            node = node is JsonObject o ? o[part] : null;
            if (node == null) return "";
        }
        return node is JsonValue v ? v.ToString() : node.ToJsonString();
    }
}
