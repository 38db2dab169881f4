using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Purelb.Kube;

/// <summary>
/// Kubernetes times (metav1.Time and MicroTime) as RFC 3339 in UTC. Writes always carry six fractional digits:
/// MicroTime (Lease renewTime, Event eventTime) requires exactly that, and plain Time accepts it. Reads accept
/// zero to nine fractional digits and any offset; .NET keeps seven, so nanoseconds are truncated.
/// </summary>
public sealed class KubeTimeJsonConverter : JsonConverter<DateTime>
{
    private const string WriteFormat = "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'ffffff'Z'";

    public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString() ?? throw new JsonException("a Kubernetes time must be a string");
        var dot = text.IndexOf('.');
        if (dot >= 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end])) end++;
            if (end - dot - 1 > 7) text = string.Concat(text.AsSpan(0, dot + 8), text.AsSpan(end));
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
            throw new JsonException($"'{reader.GetString()}' is not an RFC 3339 time");
        return value.UtcDateTime;
    }

    public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options)
    {
        Span<char> buffer = stackalloc char[32];
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        utc.TryFormat(buffer, out var written, WriteFormat, CultureInfo.InvariantCulture);
        writer.WriteStringValue(buffer[..written]);
    }
}
