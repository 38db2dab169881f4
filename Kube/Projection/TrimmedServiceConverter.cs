using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

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
    private const string OurAnnotationPrefix = "purelb.io/";
    private static KubeModelJsonContext Json => KubeModelJsonContext.Default;

    /// <summary>The model context with this converter in charge of every Service, lists' items included: lists still
    /// stream page by page, each item read by this converter.</summary>
    public static KubeModelJsonContext CreateContext()
    {
        var options = new JsonSerializerOptions(KubeModelJsonContext.Default.Options);
        options.Converters.Add(new TrimmedServiceConverter());
        return new KubeModelJsonContext(options);
    }

    public override V1Service? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        Expect(ref reader, JsonTokenType.StartObject);
        var svc = new V1Service();
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("metadata"u8)) { reader.Read(); svc.Metadata = ReadMetadata(ref reader); }
            else if (reader.ValueTextEquals("spec"u8)) { reader.Read(); svc.Spec = ReadSpec(ref reader); }
            else if (reader.ValueTextEquals("status"u8)) { reader.Read(); svc.Status = ReadStatus(ref reader); }
            else SkipValue(ref reader);
        }
        return svc;
    }

    public override void Write(Utf8JsonWriter writer, V1Service value, JsonSerializerOptions options) =>
        throw new NotSupportedException("trimmed Services are read-only; write the full model");

    private static V1ObjectMeta? ReadMetadata(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        Expect(ref reader, JsonTokenType.StartObject);
        var md = new V1ObjectMeta();
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("name"u8)) md.Name = ReadString(ref reader);
            else if (reader.ValueTextEquals("namespace"u8)) md.NamespaceProperty = ReadString(ref reader);
            else if (reader.ValueTextEquals("uid"u8)) md.Uid = ReadString(ref reader);
            else if (reader.ValueTextEquals("resourceVersion"u8)) md.ResourceVersion = ReadString(ref reader);
            else if (reader.ValueTextEquals("generation"u8))
            {
                reader.Read();
                md.Generation = reader.TokenType == JsonTokenType.Null ? null : reader.GetInt64();
            }
            else if (reader.ValueTextEquals("creationTimestamp"u8))
            {
                reader.Read();
                md.CreationTimestamp = JsonSerializer.Deserialize(ref reader, Json.NullableDateTime);
            }
            else if (reader.ValueTextEquals("annotations"u8)) { reader.Read(); md.Annotations = ReadOurAnnotations(ref reader); }
            else SkipValue(ref reader);
        }
        return md;
    }

    /// <summary>Only purelb.io/ keys: the projection keeps no others, and kubectl's last-applied copy of the whole
    /// object is often the largest string a Service carries.</summary>
    private static Dictionary<string, string>? ReadOurAnnotations(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        Expect(ref reader, JsonTokenType.StartObject);
        Dictionary<string, string>? ours = null;
        while (NextProperty(ref reader))
        {
            if (!StartsWithPrefix(ref reader))
            {
                SkipValue(ref reader);
                continue;
            }
            var key = reader.GetString()!;
            var value = ReadString(ref reader);
            if (value is not null) (ours ??= new(StringComparer.Ordinal))[key] = value;
        }
        return ours;
    }

    private static bool StartsWithPrefix(ref Utf8JsonReader reader)
    {
        if (reader.HasValueSequence || reader.ValueIsEscaped)
            return reader.GetString()!.StartsWith(OurAnnotationPrefix, StringComparison.Ordinal);
        return reader.ValueSpan.StartsWith("purelb.io/"u8);
    }

    private static V1ServiceSpec? ReadSpec(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        Expect(ref reader, JsonTokenType.StartObject);
        var spec = new V1ServiceSpec();
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("type"u8)) spec.Type = ReadString(ref reader);
            else if (reader.ValueTextEquals("loadBalancerClass"u8)) spec.LoadBalancerClass = ReadString(ref reader);
            else if (reader.ValueTextEquals("loadBalancerIP"u8)) spec.LoadBalancerIP = ReadString(ref reader);
            else if (reader.ValueTextEquals("ipFamilyPolicy"u8)) spec.IpFamilyPolicy = ReadString(ref reader);
            else if (reader.ValueTextEquals("externalTrafficPolicy"u8)) spec.ExternalTrafficPolicy = ReadString(ref reader);
            else if (reader.ValueTextEquals("clusterIP"u8)) spec.ClusterIP = ReadString(ref reader);
            else if (reader.ValueTextEquals("ipFamilies"u8)) { reader.Read(); spec.IpFamilies = ReadStrings(ref reader); }
            else if (reader.ValueTextEquals("ports"u8)) { reader.Read(); spec.Ports = ReadPorts(ref reader); }
            else SkipValue(ref reader);
        }
        return spec;
    }

    private static List<string>? ReadStrings(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        Expect(ref reader, JsonTokenType.StartArray);
        var list = new List<string>(2);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            list.Add(reader.GetString() ?? throw new JsonException("null in a string list"));
        return list;
    }

    private static List<V1ServicePort>? ReadPorts(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        Expect(ref reader, JsonTokenType.StartArray);
        var ports = new List<V1ServicePort>(1);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            Expect(ref reader, JsonTokenType.StartObject);
            var port = new V1ServicePort();
            while (NextProperty(ref reader))
            {
                if (reader.ValueTextEquals("port"u8)) { reader.Read(); port.Port = reader.GetInt32(); }
                else if (reader.ValueTextEquals("protocol"u8)) port.Protocol = ReadString(ref reader);
                else SkipValue(ref reader);
            }
            ports.Add(port);
        }
        return ports;
    }

    private static V1ServiceStatus? ReadStatus(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        Expect(ref reader, JsonTokenType.StartObject);
        var status = new V1ServiceStatus();
        while (NextProperty(ref reader))
        {
            if (reader.ValueTextEquals("loadBalancer"u8)) { reader.Read(); status.LoadBalancer = ReadLoadBalancer(ref reader); }
            else if (reader.ValueTextEquals("conditions"u8))
            {
                reader.Read();
                status.Conditions = JsonSerializer.Deserialize(ref reader, Json.IListV1Condition);
            }
            else SkipValue(ref reader);
        }
        return status;
    }

    private static V1LoadBalancerStatus? ReadLoadBalancer(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        Expect(ref reader, JsonTokenType.StartObject);
        var lb = new V1LoadBalancerStatus();
        while (NextProperty(ref reader))
        {
            if (!reader.ValueTextEquals("ingress"u8)) { SkipValue(ref reader); continue; }
            reader.Read();
            if (reader.TokenType == JsonTokenType.Null) continue;
            Expect(ref reader, JsonTokenType.StartArray);
            var ingress = new List<V1LoadBalancerIngress>(1);
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                Expect(ref reader, JsonTokenType.StartObject);
                var entry = new V1LoadBalancerIngress();
                while (NextProperty(ref reader))
                {
                    if (reader.ValueTextEquals("ip"u8)) entry.Ip = ReadString(ref reader);
                    else if (reader.ValueTextEquals("hostname"u8)) entry.Hostname = ReadString(ref reader);
                    else if (reader.ValueTextEquals("ipMode"u8)) entry.IpMode = ReadString(ref reader);
                    else if (reader.ValueTextEquals("ports"u8))
                    {
                        reader.Read();
                        entry.Ports = JsonSerializer.Deserialize(ref reader, Json.IListV1PortStatus);
                    }
                    else SkipValue(ref reader);
                }
                ingress.Add(entry);
            }
            lb.Ingress = ingress;
        }
        return lb;
    }

    /// <summary>Advances to the next property name of the current object; false at its end.</summary>
    private static bool NextProperty(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new JsonException("object ends early");
        if (reader.TokenType == JsonTokenType.EndObject) return false;
        if (reader.TokenType != JsonTokenType.PropertyName) throw new JsonException($"expected a property, got {reader.TokenType}");
        return true;
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String => reader.GetString(),
            _ => throw new JsonException($"expected a string, got {reader.TokenType}"),
        };
    }

    /// <summary>Skips the next value. TrySkip, not Skip: inside a list read from a stream the reader is not on its
    /// final block (Skip refuses outright), though the serializer has buffered this whole Service before calling us.</summary>
    private static void SkipValue(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || !reader.TrySkip()) throw new JsonException("Service ends inside a value");
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type) throw new JsonException($"expected {type}, got {reader.TokenType}");
    }
}
