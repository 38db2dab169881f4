using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Purelb.Kube.Yaml;

/// <summary>
/// Turns a (multi-document) YAML stream into JSON nodes from YamlDotNet's low-level parser events, so no
/// reflection-based deserializer is involved (native-AOT safe). Empty documents are skipped. Anchors and
/// aliases are expanded; merge keys (`&lt;&lt;`) are not interpreted. Mapping keys must be scalars and unique.
/// </summary>
public static class YamlReader
{
    /// <summary>Every non-empty document of <paramref name="text"/>.</summary>
    /// <exception cref="YamlLoadException">The text is not valid YAML or cannot be expressed as JSON.</exception>
    public static IReadOnlyList<YamlDocument> ReadDocuments(string text)
    {
        var parser = new Parser(new StringReader(text));
        var documents = new List<YamlDocument>();
        try
        {
            Expect<StreamStart>(parser);
            var index = 0;
            while (Next(parser) is DocumentStart)
            {
                var anchors = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
                var rootStart = Next(parser);
                var root = ReadNode(parser, anchors);
                Expect<DocumentEnd>(parser);
                if (root is not null)
                {
                    documents.Add(new YamlDocument(root, (int)rootStart!.Start.Line, index));
                }
                index++;
            }
            if (parser.Current is not StreamEnd)
            {
                throw Unexpected(parser.Current);
            }
        }
        catch (YamlException e)
        {
            throw new YamlLoadException(StripPosition(e.Message), (int)e.Start.Line, (int)e.Start.Column);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException)
        {
            // YamlDotNet's scanner fails this way on some malformed input (e.g. an unclosed flow sequence);
            // the last event it produced is the best position we have.
            var at = parser.Current?.End;
            throw new YamlLoadException($"malformed YAML ({e.Message})", (int)(at?.Line ?? 0), (int)(at?.Column ?? 0));
        }
        return documents;
    }

    /// <summary>The single document of <paramref name="text"/> (null when the text holds none).</summary>
    /// <exception cref="YamlLoadException">Invalid YAML, or more than one document.</exception>
    public static JsonNode? ReadSingle(string text)
    {
        var documents = ReadDocuments(text);
        if (documents.Count > 1)
        {
            throw new YamlLoadException($"expected one document, found {documents.Count}", documents[1].Line, 1);
        }
        return documents.Count == 0 ? null : documents[0].Root;
    }

    /// <summary>The documents of <paramref name="text"/> as JSON texts.</summary>
    public static IReadOnlyList<string> ToJsonTexts(string text) =>
        ReadDocuments(text).Select(d => d.Root!.ToJsonString()).ToList();

    // Reads the node that parser.Current starts and leaves the parser on the event after it.
    private static JsonNode? ReadNode(IParser parser, Dictionary<string, JsonNode?> anchors)
    {
        var current = parser.Current;
        JsonNode? node;
        switch (current)
        {
            case Scalar scalar:
                node = YamlScalars.ToJson(scalar.Value, scalar.Style, scalar.Tag.IsEmpty ? null : scalar.Tag.Value, scalar.Start);
                Next(parser);
                break;
            case SequenceStart:
                node = ReadSequence(parser, anchors);
                break;
            case MappingStart:
                node = ReadMapping(parser, anchors);
                break;
            case AnchorAlias alias:
                if (!anchors.TryGetValue(alias.Value.Value, out var target))
                {
                    throw At(alias, $"unknown alias *{alias.Value.Value}");
                }
                Next(parser);
                return target?.DeepClone();
            default:
                throw Unexpected(current);
        }
        if (current is NodeEvent { Anchor.IsEmpty: false } anchored)
        {
            anchors[anchored.Anchor.Value] = node?.DeepClone();
        }
        return node;
    }

    private static JsonArray ReadSequence(IParser parser, Dictionary<string, JsonNode?> anchors)
    {
        var array = new JsonArray();
        Next(parser);
        while (parser.Current is not SequenceEnd)
        {
            array.Add(ReadNode(parser, anchors));
        }
        Next(parser);
        return array;
    }

    private static JsonObject ReadMapping(IParser parser, Dictionary<string, JsonNode?> anchors)
    {
        var obj = new JsonObject();
        Next(parser);
        while (parser.Current is not MappingEnd)
        {
            var keyEvent = parser.Current;
            var key = keyEvent switch
            {
                Scalar s => s.Value,
                AnchorAlias a when anchors.TryGetValue(a.Value.Value, out var k) && k is JsonValue => k.ToString(),
                _ => throw At(keyEvent!, "mapping keys must be scalars"),
            };
            if (keyEvent is Scalar { Anchor.IsEmpty: false } anchoredKey)
            {
                anchors[anchoredKey.Anchor.Value] = JsonValue.Create(key);
            }
            Next(parser);
            if (obj.ContainsKey(key))
            {
                throw At(keyEvent!, $"duplicate key \"{key}\"");
            }
            obj[key] = ReadNode(parser, anchors);
        }
        Next(parser);
        return obj;
    }

    private static ParsingEvent? Next(IParser parser) => parser.MoveNext() ? parser.Current : null;

    private static void Expect<T>(IParser parser)
        where T : ParsingEvent
    {
        if (parser.Current is null && !parser.MoveNext())
        {
            throw new YamlLoadException("unexpected end of input", 0, 0);
        }
        if (parser.Current is not T)
        {
            throw Unexpected(parser.Current);
        }
    }

    private static YamlLoadException Unexpected(ParsingEvent? e) =>
        e is null ? new YamlLoadException("unexpected end of input", 0, 0) : At(e, $"unexpected {e.GetType().Name}");

    private static YamlLoadException At(ParsingEvent e, string reason) =>
        new(reason, (int)e.Start.Line, (int)e.Start.Column);

    // YamlDotNet prefixes its messages with "(Line: …, Col: …, Idx: …) - (…): "; we report the position ourselves.
    private static string StripPosition(string message)
    {
        var cut = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith('(') && cut >= 0 ? message[(cut + 3)..] : message;
    }
}
