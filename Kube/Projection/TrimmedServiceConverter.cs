using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;
using static Purelb.Kube.JsonReading;

namespace Purelb.Kube;

/// <summary>
/// Reads a Service straight into the fields <see cref="ServiceProjection"/> keeps, skipping the rest in the reader
/// (labels, selectors, managed fields, kubectl's last-applied annotation, other controllers' annotations) instead of
/// materializing them only to drop them. An informer over thousands of Services parses every one at start-up and on
/// every change, so most of what a full read allocates is garbage at once. The result is the input of
/// <see cref="ServiceProjection.Slim"/>, which still shares and trims; read-only: there is no writer.
/// </summary>
public sealed class TrimmedServiceConverter : JsonConverter<V1Service>
{
    private static KubeModelJsonContext Json => KubeModelJsonContext.Default;

    /// <summary>The model context with this converter in charge of every Service, lists' items included: lists still
    /// stream page by page, each item read by this converter.</summary>
    public static KubeModelJsonContext CreateContext()
    {
        var options = new JsonSerializerOptions(KubeModelJsonContext.Default.Options);
        options.Converters.Add(new TrimmedServiceConverter());
        return new KubeModelJsonContext(options);
    }

    public override V1Service? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ReadObject<V1Service>(ref reader, static (ref Utf8JsonReader r, V1Service svc) =>
        {
            if (r.ValueTextEquals("metadata"u8)) svc.Metadata = ReadObject<V1ObjectMeta>(ref Value(ref r), MetadataField);
            else if (r.ValueTextEquals("spec"u8)) svc.Spec = ReadObject<V1ServiceSpec>(ref Value(ref r), SpecField);
            else if (r.ValueTextEquals("status"u8)) svc.Status = ReadObject<V1ServiceStatus>(ref Value(ref r), StatusField);
            else return false;
            return true;
        });

    public override void Write(Utf8JsonWriter writer, V1Service value, JsonSerializerOptions options) =>
        throw new NotSupportedException("trimmed Services are read-only; write the full model");

    private static bool MetadataField(ref Utf8JsonReader r, V1ObjectMeta md)
    {
        if (MetadataJson.ReadIdentityField(ref r, md)) return true;
        if (r.ValueTextEquals("generation"u8)) md.Generation = Value(ref r).TokenType == JsonTokenType.Null ? null : r.GetInt64();
        else if (r.ValueTextEquals("creationTimestamp"u8)) md.CreationTimestamp = JsonSerializer.Deserialize(ref Value(ref r), Json.NullableDateTime);
        else if (r.ValueTextEquals("annotations"u8)) md.Annotations = ReadOurAnnotations(ref Value(ref r));
        else return false;
        return true;
    }

    /// <summary>Only purelb.io/ keys: the projection keeps no others, and kubectl's last-applied copy of the whole
    /// object is often the largest string a Service carries. Null when there are none, as the projection has it.</summary>
    private static Dictionary<string, string>? ReadOurAnnotations(ref Utf8JsonReader reader)
    {
        var all = ReadObject<Dictionary<string, string>>(ref reader, static (ref Utf8JsonReader r, Dictionary<string, string> ours) =>
        {
            if (!StartsWithPrefix(ref r)) return false;
            var key = r.GetString()!;
            if (ReadString(ref r) is { } value) ours[key] = value;
            return true;
        });
        return all is { Count: > 0 } ? all : null;
    }

    private static bool StartsWithPrefix(ref Utf8JsonReader reader)
    {
        if (reader.HasValueSequence || reader.ValueIsEscaped)
            return reader.GetString()!.StartsWith(Annotations.Prefix, StringComparison.Ordinal);
        return reader.ValueSpan.StartsWith(Annotations.PrefixUtf8);
    }

    private static bool SpecField(ref Utf8JsonReader r, V1ServiceSpec spec)
    {
        if (r.ValueTextEquals("type"u8)) spec.Type = ReadString(ref r);
        else if (r.ValueTextEquals("loadBalancerClass"u8)) spec.LoadBalancerClass = ReadString(ref r);
        else if (r.ValueTextEquals("loadBalancerIP"u8)) spec.LoadBalancerIP = ReadString(ref r);
        else if (r.ValueTextEquals("ipFamilyPolicy"u8)) spec.IpFamilyPolicy = ReadString(ref r);
        else if (r.ValueTextEquals("externalTrafficPolicy"u8)) spec.ExternalTrafficPolicy = ReadString(ref r);
        else if (r.ValueTextEquals("clusterIP"u8)) spec.ClusterIP = ReadString(ref r);
        else if (r.ValueTextEquals("ipFamilies"u8))
            spec.IpFamilies = ReadArray(ref Value(ref r), static (ref Utf8JsonReader e) =>
                e.TokenType == JsonTokenType.String ? e.GetString()! : throw new JsonException("ipFamilies holds a non-string"));
        else if (r.ValueTextEquals("ports"u8))
            spec.Ports = ReadArray(ref Value(ref r), static (ref Utf8JsonReader e) => ReadObject<V1ServicePort>(ref e, PortField) ?? throw new JsonException("null port"));
        else return false;
        return true;
    }

    private static bool PortField(ref Utf8JsonReader r, V1ServicePort port)
    {
        if (r.ValueTextEquals("port"u8)) port.Port = Value(ref r).GetInt32();
        else if (r.ValueTextEquals("protocol"u8)) port.Protocol = ReadString(ref r);
        else return false;
        return true;
    }

    private static bool StatusField(ref Utf8JsonReader r, V1ServiceStatus status)
    {
        if (r.ValueTextEquals("loadBalancer"u8)) status.LoadBalancer = ReadObject<V1LoadBalancerStatus>(ref Value(ref r), LoadBalancerField);
        else if (r.ValueTextEquals("conditions"u8)) status.Conditions = JsonSerializer.Deserialize(ref Value(ref r), Json.IListV1Condition);
        else return false;
        return true;
    }

    private static bool LoadBalancerField(ref Utf8JsonReader r, V1LoadBalancerStatus lb)
    {
        if (!r.ValueTextEquals("ingress"u8)) return false;
        lb.Ingress = ReadArray(ref Value(ref r), static (ref Utf8JsonReader e) => ReadObject<V1LoadBalancerIngress>(ref e, IngressField) ?? throw new JsonException("null ingress"));
        return true;
    }

    private static bool IngressField(ref Utf8JsonReader r, V1LoadBalancerIngress entry)
    {
        if (r.ValueTextEquals("ip"u8)) entry.Ip = ReadString(ref r);
        else if (r.ValueTextEquals("hostname"u8)) entry.Hostname = ReadString(ref r);
        else if (r.ValueTextEquals("ipMode"u8)) entry.IpMode = ReadString(ref r);
        else if (r.ValueTextEquals("ports"u8)) entry.Ports = JsonSerializer.Deserialize(ref Value(ref r), Json.IListV1PortStatus);
        else return false;
        return true;
    }
}
