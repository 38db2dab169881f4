using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Purelb.Kube.Yaml;

/// <summary>
/// Writes JSON nodes as block YAML through YamlDotNet's low-level emitter (no reflection). Strings that
/// would read back as something else (`true`, `42`, `null`, empty) are quoted, so
/// <see cref="YamlReader"/> returns exactly the JSON that was written.
/// </summary>
public static class YamlWriter
{
    public static string Write(JsonNode? node)
    {
        var text = new StringWriter();
        var emitter = new Emitter(text);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        Emit(emitter, node);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case null:
                emitter.Emit(Plain("null"));
                break;
            case JsonObject obj:
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true, obj.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, child) in obj)
                {
                    emitter.Emit(String(key));
                    Emit(emitter, child);
                }
                emitter.Emit(new MappingEnd());
                break;
            case JsonArray array:
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true, array.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in array)
                {
                    Emit(emitter, item);
                }
                emitter.Emit(new SequenceEnd());
                break;
            default:
                var scalar = node.AsValue();
                emitter.Emit(scalar.GetValueKind() switch
                {
                    JsonValueKind.String => String(scalar.GetValue<string>()),
                    JsonValueKind.True => Plain("true"),
                    JsonValueKind.False => Plain("false"),
                    _ => Plain(scalar.ToJsonString()),
                });
                break;
        }
    }

    private static Scalar Plain(string text) => new(AnchorName.Empty, TagName.Empty, text, ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false);

    private static Scalar String(string text)
    {
        // Quote whatever the core schema would type as non-string when read back plain.
        var typed = YamlScalars.ToJson(text, ScalarStyle.Plain, null, Mark.Empty);
        var style = typed is JsonValue v && v.GetValueKind() == JsonValueKind.String ? ScalarStyle.Any : ScalarStyle.DoubleQuoted;
        return new Scalar(AnchorName.Empty, TagName.Empty, text, style, isPlainImplicit: true, isQuotedImplicit: true);
    }
}
