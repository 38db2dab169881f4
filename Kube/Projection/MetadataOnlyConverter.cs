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
        ReadObject<T>(ref reader, MetadataJson.ReadObjectField);

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        MetadataJson.WriteObjectFields(writer, value);
        writer.WriteEndObject();
    }
}
