using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;
using static Purelb.Kube.JsonReading;

namespace Purelb.Kube;

/// <summary>
/// Reads a kind of which purelb needs only the identity and labels (its own Node: uid for the Lease's owner,
/// labels for LBNodeAgent selectors): apiVersion, kind and metadata's name, namespace, uid, resourceVersion, labels
/// and annotations; spec and status are skipped in the reader. A Node's status runs to tens of kilobytes, and the
/// generated type information for the whole Node model (status, images, resource quantities with their big-number
/// arithmetic) would sit in every process's memory for fields nobody reads (docs/performance.md). Writes the same
/// fields back, so such an object can be echoed in tests and debug output, never sent as an update.
/// </summary>
public sealed class MetadataOnlyConverter<T> : JsonConverter<T> where T : class, IKubernetesObject<V1ObjectMeta>, new()
{
    public override T? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ReadObject<T>(ref reader, static (ref Utf8JsonReader r, T obj) =>
        {
            if (r.ValueTextEquals("apiVersion"u8)) obj.ApiVersion = ReadString(ref r);
            else if (r.ValueTextEquals("kind"u8)) obj.Kind = ReadString(ref r);
            else if (r.ValueTextEquals("metadata"u8)) obj.Metadata = ReadObject<V1ObjectMeta>(ref Value(ref r), MetadataField) ?? new V1ObjectMeta();
            else return false;
            return true;
        });

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        if (value.ApiVersion is not null) writer.WriteString("apiVersion"u8, value.ApiVersion);
        if (value.Kind is not null) writer.WriteString("kind"u8, value.Kind);
        if (value.Metadata is { } md)
        {
            writer.WriteStartObject("metadata"u8);
            if (md.Name is not null) writer.WriteString("name"u8, md.Name);
            if (md.NamespaceProperty is not null) writer.WriteString("namespace"u8, md.NamespaceProperty);
            if (md.Uid is not null) writer.WriteString("uid"u8, md.Uid);
            if (md.ResourceVersion is not null) writer.WriteString("resourceVersion"u8, md.ResourceVersion);
            WriteMap(writer, "labels"u8, md.Labels);
            WriteMap(writer, "annotations"u8, md.Annotations);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    private static bool MetadataField(ref Utf8JsonReader r, V1ObjectMeta md)
    {
        if (r.ValueTextEquals("name"u8)) md.Name = ReadString(ref r);
        else if (r.ValueTextEquals("namespace"u8)) md.NamespaceProperty = ReadString(ref r);
        else if (r.ValueTextEquals("uid"u8)) md.Uid = ReadString(ref r);
        else if (r.ValueTextEquals("resourceVersion"u8)) md.ResourceVersion = ReadString(ref r);
        else if (r.ValueTextEquals("labels"u8)) md.Labels = ReadMap(ref Value(ref r));
        else if (r.ValueTextEquals("annotations"u8)) md.Annotations = ReadMap(ref Value(ref r));
        else return false;
        return true;
    }

    private static Dictionary<string, string>? ReadMap(ref Utf8JsonReader reader) =>
        ReadObject<Dictionary<string, string>>(ref reader, static (ref Utf8JsonReader r, Dictionary<string, string> map) =>
        {
            var key = r.GetString()!;
            if (ReadString(ref r) is { } value) map[key] = value;
            return true;
        });

    private static void WriteMap(Utf8JsonWriter writer, ReadOnlySpan<byte> name, IDictionary<string, string>? map)
    {
        if (map is null) return;
        writer.WriteStartObject(name);
        foreach (var (key, value) in map) writer.WriteString(key, value);
        writer.WriteEndObject();
    }
}

/// <summary>A list of such a kind: list metadata (resourceVersion, continue) and items through
/// <see cref="MetadataOnlyConverter{T}"/>.</summary>
public sealed class MetadataOnlyListConverter<T, TList> : JsonConverter<TList>
    where T : class, IKubernetesObject<V1ObjectMeta>, new()
    where TList : class, IItems<T>, IMetadata<V1ListMeta>, new()
{
    private readonly MetadataOnlyConverter<T> _item = new();

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
                    list.Items.Add(_item.Read(ref reader, typeof(T), options) ?? throw new JsonException("null item in a list"));
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
        foreach (var item in value.Items ?? []) _item.Write(writer, item, options);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
