using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Purelb.Kube;

/// <summary>Parses one line of a watch stream, <c>{"type":"…","object":{…}}</c>, without reflection and without an
/// intermediate DOM: the object's bytes are located with a reader and deserialized straight into T.</summary>
internal static class WatchLineParser
{
    public readonly record struct Parsed<T>(string Type, T? Object, ApiStatus? Error) where T : class;

    public static Parsed<T> Parse<T>(ReadOnlySpan<byte> line, JsonTypeInfo<T> type) where T : class
    {
        var reader = new Utf8JsonReader(line);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("watch event is not a JSON object");
        string? eventType = null;
        int objectStart = -1, objectEnd = -1;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                eventType = reader.GetString();
            }
            else if (reader.ValueTextEquals("object"u8))
            {
                reader.Read();
                objectStart = (int)reader.TokenStartIndex;
                reader.Skip();
                objectEnd = (int)reader.BytesConsumed;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (eventType is null || objectStart < 0)
            throw new JsonException("watch event lacks type or object");
        var body = line[objectStart..objectEnd];
        if (eventType == "ERROR")
            return new Parsed<T>(eventType, null, JsonSerializer.Deserialize(body, KubeJsonContext.Default.ApiStatus));
        return new Parsed<T>(eventType, JsonSerializer.Deserialize(body, type), null);
    }
}
