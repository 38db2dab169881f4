using System.Text.Json;
using k8s;
using k8s.Models;
using static Purelb.Kube.JsonReading;

namespace Purelb.Kube;

/// <summary>An object's apiVersion, kind and the part of its metadata the trimmed readers keep: name, namespace, uid,
/// resourceVersion, labels and annotations (no managed fields, owner references or timestamps).</summary>
public static class MetadataJson
{
    /// <summary>Reads apiVersion, kind or metadata into <paramref name="obj"/> when the reader is on one of those
    /// property names; false for any other property, left for the caller.</summary>
    public static bool ReadObjectField<T>(ref Utf8JsonReader r, T obj) where T : IKubernetesObject<V1ObjectMeta>
    {
        if (r.ValueTextEquals("apiVersion"u8)) obj.ApiVersion = ReadString(ref r);
        else if (r.ValueTextEquals("kind"u8)) obj.Kind = ReadString(ref r);
        else if (r.ValueTextEquals("metadata"u8)) obj.Metadata = ReadObject<V1ObjectMeta>(ref Value(ref r), MetadataField) ?? new V1ObjectMeta();
        else return false;
        return true;
    }

    /// <summary>Writes apiVersion, kind and the kept metadata as members of the object being written.</summary>
    public static void WriteObjectFields<T>(Utf8JsonWriter writer, T obj) where T : IKubernetesObject<V1ObjectMeta>
    {
        if (obj.ApiVersion is not null) writer.WriteString("apiVersion"u8, obj.ApiVersion);
        if (obj.Kind is not null) writer.WriteString("kind"u8, obj.Kind);
        if (obj.Metadata is not { } md) return;
        writer.WriteStartObject("metadata"u8);
        if (md.Name is not null) writer.WriteString("name"u8, md.Name);
        if (md.NamespaceProperty is not null) writer.WriteString("namespace"u8, md.NamespaceProperty);
        if (md.Uid is not null) writer.WriteString("uid"u8, md.Uid);
        if (md.ResourceVersion is not null) writer.WriteString("resourceVersion"u8, md.ResourceVersion);
        WriteMap(writer, "labels"u8, md.Labels);
        WriteMap(writer, "annotations"u8, md.Annotations);
        writer.WriteEndObject();
    }

    /// <summary>Reads name, namespace, uid or resourceVersion, what every trimmed reader keeps of an object's
    /// identity; false for any other metadata property.</summary>
    public static bool ReadIdentityField(ref Utf8JsonReader r, V1ObjectMeta md)
    {
        if (r.ValueTextEquals("name"u8)) md.Name = ReadString(ref r);
        else if (r.ValueTextEquals("namespace"u8)) md.NamespaceProperty = ReadString(ref r);
        else if (r.ValueTextEquals("uid"u8)) md.Uid = ReadString(ref r);
        else if (r.ValueTextEquals("resourceVersion"u8)) md.ResourceVersion = ReadString(ref r);
        else return false;
        return true;
    }

    private static bool MetadataField(ref Utf8JsonReader r, V1ObjectMeta md)
    {
        if (ReadIdentityField(ref r, md)) return true;
        if (r.ValueTextEquals("labels"u8)) md.Labels = ReadMap(ref Value(ref r));
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
