using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace KubeApiServer;

/// <summary>Reads Kubernetes YAML manifests (several documents per file) into JSON objects.</summary>
public static partial class Yaml
{
    public static List<JsonObject> ParseDocuments(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        var docs = new List<JsonObject>();
        foreach (var doc in stream.Documents)
        {
            if (doc.RootNode is YamlScalarNode s && string.IsNullOrEmpty(s.Value)) continue;
            var sb = new StringBuilder();
            using (var w = new Utf8JsonWriterAdapter(sb)) Write(doc.RootNode, w.Writer);
            if (JsonNode.Parse(sb.ToString()) is JsonObject o) docs.Add(o);
        }
        return docs;
    }

    static void Write(YamlNode node, Utf8JsonWriter w)
    {
        switch (node)
        {
            case YamlMappingNode m:
                w.WriteStartObject();
                foreach (var (k, v) in m.Children)
                {
                    w.WritePropertyName(((YamlScalarNode)k).Value ?? "");
                    Write(v, w);
                }
                w.WriteEndObject();
                break;
            case YamlSequenceNode seq:
                w.WriteStartArray();
                foreach (var c in seq.Children) Write(c, w);
                w.WriteEndArray();
                break;
            case YamlScalarNode s:
                WriteScalar(s, w);
                break;
            default:
                w.WriteNullValue();
                break;
        }
    }

    static void WriteScalar(YamlScalarNode s, Utf8JsonWriter w)
    {
        var v = s.Value ?? "";
        if (s.Style != ScalarStyle.Plain) { w.WriteStringValue(v); return; }
        if (v is "" or "~" or "null" or "Null" or "NULL") { w.WriteNullValue(); return; }
        if (v is "true" or "True" or "TRUE") { w.WriteBooleanValue(true); return; }
        if (v is "false" or "False" or "FALSE") { w.WriteBooleanValue(false); return; }
        if (IntPattern().IsMatch(v) && long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) { w.WriteNumberValue(l); return; }
        if (FloatPattern().IsMatch(v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) { w.WriteNumberValue(d); return; }
        w.WriteStringValue(v);
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntPattern();
    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();

    sealed class Utf8JsonWriterAdapter : IDisposable
    {
        readonly MemoryStream _ms = new();
        readonly StringBuilder _sb;
        public Utf8JsonWriter Writer { get; }
        public Utf8JsonWriterAdapter(StringBuilder sb) { _sb = sb; Writer = new Utf8JsonWriter(_ms); }
        public void Dispose()
        {
            Writer.Flush();
            _sb.Append(Encoding.UTF8.GetString(_ms.ToArray()));
            Writer.Dispose();
        }
    }

    /// <summary>Every manifest (.yaml, .yml, .json) under a directory, in file-name order.</summary>
    public static IEnumerable<JsonObject> LoadDirectory(string dir)
    {
        if (!Directory.Exists(dir)) yield break;
        foreach (var file in Directory.EnumerateFiles(dir, "*.*", SearchOption.AllDirectories)
                     .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
                     .OrderBy(f => f, StringComparer.Ordinal))
        {
            var text = File.ReadAllText(file);
            foreach (var d in file.EndsWith(".json", StringComparison.Ordinal) ? [JsonNode.Parse(text)!.AsObject()] : ParseDocuments(text))
                yield return d;
        }
    }
}
