using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using static Purelb.Kube.JsonReading;

namespace Purelb.Kube;

/// <summary>A list of a kind read by its own converter: list metadata (resourceVersion, continue) and the items
/// through <paramref name="item"/>, without generated type information for the list or its items. The serializer
/// hands a converter its whole value, so a list page (500 items, <see cref="ListWatch{T,TList}"/>) is buffered as JSON
/// before it is read, where a generated list type would stream it; for the kinds read this way (the agent's own Node,
/// EndpointSlices trimmed to a few fields) a page is about the size of the models it replaces.</summary>
public sealed class ItemListConverter<T, TList>(JsonConverter<T> item) : JsonConverter<TList>
    where T : class
    where TList : class, IItems<T>, IMetadata<V1ListMeta>, new()
{
    public override TList? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        Expect(ref reader, JsonTokenType.StartObject);
        var list = new TList { Items = [] };
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("metadata"u8))
                list.Metadata = ReadObject<V1ListMeta>(ref Value(ref reader), static (ref Utf8JsonReader r, V1ListMeta lm) =>
                {
                    if (r.ValueTextEquals("resourceVersion"u8)) lm.ResourceVersion = ReadString(ref r);
                    else if (r.ValueTextEquals("continue"u8)) lm.ContinueProperty = ReadString(ref r);
                    else return false;
                    return true;
                }) ?? new V1ListMeta();
            else if (reader.ValueTextEquals("items"u8))
            {
                if (Value(ref reader).TokenType == JsonTokenType.Null) continue;
                Expect(ref reader, JsonTokenType.StartArray);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    list.Items.Add(item.Read(ref reader, typeof(T), options) ?? throw new JsonException("null item in a list"));
            }
            else SkipValue(ref reader);
        }
        return list;
    }

    public override void Write(Utf8JsonWriter writer, TList value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("metadata"u8);
        if (value.Metadata?.ResourceVersion is { } rv) writer.WriteString("resourceVersion"u8, rv);
        if (value.Metadata?.ContinueProperty is { } next) writer.WriteString("continue"u8, next);
        writer.WriteEndObject();
        writer.WriteStartArray("items"u8);
        foreach (var element in value.Items ?? []) item.Write(writer, element, options);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
