using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;
using static Purelb.Kube.JsonReading;

namespace Purelb.Kube;

/// <summary>
/// Reads an EndpointSlice into what externalTrafficPolicy Local needs: metadata (the service-name label), and per
/// endpoint its addresses, nodeName and ready/serving/terminating conditions. The agent caches every slice of the
/// cluster, for every Service, LoadBalancer or not; target references, ports, hints, zones and managed fields are
/// skipped in the reader rather than kept on every node. Writes the same fields back (tests, debug output).
/// </summary>
public sealed class TrimmedEndpointSliceConverter : JsonConverter<V1EndpointSlice>
{
    public override V1EndpointSlice? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        ReadObject<V1EndpointSlice>(ref reader, static (ref Utf8JsonReader r, V1EndpointSlice slice) =>
        {
            if (MetadataJson.ReadObjectField(ref r, slice)) return true;
            if (r.ValueTextEquals("addressType"u8)) slice.AddressType = ReadString(ref r);
            else if (r.ValueTextEquals("endpoints"u8))
                slice.Endpoints = ReadArray(ref Value(ref r), static (ref Utf8JsonReader e) =>
                    ReadObject<V1Endpoint>(ref e, EndpointField) ?? throw new JsonException("null endpoint"));
            else return false;
            return true;
        });

    private static bool EndpointField(ref Utf8JsonReader r, V1Endpoint endpoint)
    {
        if (r.ValueTextEquals("nodeName"u8)) endpoint.NodeName = ReadString(ref r);
        else if (r.ValueTextEquals("addresses"u8))
            endpoint.Addresses = ReadArray(ref Value(ref r), static (ref Utf8JsonReader e) =>
                e.TokenType == JsonTokenType.String ? e.GetString()! : throw new JsonException("addresses holds a non-string"));
        else if (r.ValueTextEquals("conditions"u8))
            endpoint.Conditions = ReadObject<V1EndpointConditions>(ref Value(ref r), static (ref Utf8JsonReader c, V1EndpointConditions conditions) =>
            {
                if (c.ValueTextEquals("ready"u8)) conditions.Ready = ReadBool(ref c);
                else if (c.ValueTextEquals("serving"u8)) conditions.Serving = ReadBool(ref c);
                else if (c.ValueTextEquals("terminating"u8)) conditions.Terminating = ReadBool(ref c);
                else return false;
                return true;
            });
        else return false;
        return true;
    }

    private static bool? ReadBool(ref Utf8JsonReader reader) => Value(ref reader).TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        var other => throw new JsonException($"expected a boolean, got {other}"),
    };

    public override void Write(Utf8JsonWriter writer, V1EndpointSlice value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        MetadataJson.WriteObjectFields(writer, value);
        if (value.AddressType is not null) writer.WriteString("addressType"u8, value.AddressType);
        if (value.Endpoints is { } endpoints)
        {
            writer.WriteStartArray("endpoints"u8);
            foreach (var endpoint in endpoints)
            {
                writer.WriteStartObject();
                if (endpoint.Addresses is { } addresses)
                {
                    writer.WriteStartArray("addresses"u8);
                    foreach (var address in addresses) writer.WriteStringValue(address);
                    writer.WriteEndArray();
                }
                if (endpoint.Conditions is { } c)
                {
                    writer.WriteStartObject("conditions"u8);
                    if (c.Ready is { } ready) writer.WriteBoolean("ready"u8, ready);
                    if (c.Serving is { } serving) writer.WriteBoolean("serving"u8, serving);
                    if (c.Terminating is { } terminating) writer.WriteBoolean("terminating"u8, terminating);
                    writer.WriteEndObject();
                }
                if (endpoint.NodeName is not null) writer.WriteString("nodeName"u8, endpoint.NodeName);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }
}
