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
            else if (r.ValueTextEquals("metadata"u8)) obj.Metadata = MetadataJson.Read(ref Value(ref r));
            else return false;
            return true;
        });

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        if (value.ApiVersion is not null) writer.WriteString("apiVersion"u8, value.ApiVersion);
        if (value.Kind is not null) writer.WriteString("kind"u8, value.Kind);
        MetadataJson.Write(writer, value.Metadata);
        writer.WriteEndObject();
    }
}
