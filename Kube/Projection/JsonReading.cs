using System.Text.Json;

namespace Purelb.Kube;

/// <summary>
/// Reading Kubernetes JSON field by field with <see cref="Utf8JsonReader"/>: the converters that keep only what
/// purelb looks at (<see cref="TrimmedServiceConverter"/>, <see cref="MetadataOnlyConverter{T}"/>) skip everything
/// else in the reader instead of building it, and need no generated type information for what they skip.
/// </summary>
public static class JsonReading
{
    /// <summary>Reads one property of <typeparamref name="T"/> with the reader on its name; false leaves the value
    /// to be skipped.</summary>
    public delegate bool FieldReader<in T>(ref Utf8JsonReader reader, T target);

    /// <summary>Reads one array element with the reader on its first token.</summary>
    public delegate T ElementReader<out T>(ref Utf8JsonReader reader);

    /// <summary>An object (or null) into a new <typeparamref name="T"/>, one property at a time; what
    /// <paramref name="field"/> does not read is skipped.</summary>
    public static T? ReadObject<T>(ref Utf8JsonReader reader, FieldReader<T> field) where T : class, new()
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        Expect(ref reader, JsonTokenType.StartObject);
        var target = new T();
        while (NextProperty(ref reader))
            if (!field(ref reader, target)) SkipValue(ref reader);
        return target;
    }

    /// <summary>An array (or null) into a list, started small: the arrays read this way hold one or a few entries.</summary>
    public static List<T>? ReadArray<T>(ref Utf8JsonReader reader, ElementReader<T> element)
    {
        if (reader.TokenType == JsonTokenType.Null) return null;
        Expect(ref reader, JsonTokenType.StartArray);
        var list = new List<T>(2);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            list.Add(element(ref reader));
        return list;
    }

    /// <summary>Moves from a property name onto its value.</summary>
    public static ref Utf8JsonReader Value(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new JsonException("the object ends inside a value");
        return ref reader;
    }

    /// <summary>Advances to the next property name of the current object; false at its end.</summary>
    public static bool NextProperty(ref Utf8JsonReader reader)
    {
        if (!reader.Read()) throw new JsonException("object ends early");
        if (reader.TokenType == JsonTokenType.EndObject) return false;
        if (reader.TokenType != JsonTokenType.PropertyName) throw new JsonException($"expected a property, got {reader.TokenType}");
        return true;
    }

    public static string? ReadString(ref Utf8JsonReader reader)
    {
        Value(ref reader);
        return reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String => reader.GetString(),
            _ => throw new JsonException($"expected a string, got {reader.TokenType}"),
        };
    }

    /// <summary>Skips the next value. TrySkip, not Skip: inside a list read from a stream the reader is not on its
    /// final block (Skip refuses outright), though the serializer has buffered the whole object before calling a converter.</summary>
    public static void SkipValue(ref Utf8JsonReader reader)
    {
        if (!Value(ref reader).TrySkip()) throw new JsonException("the object ends inside a value");
    }

    public static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (reader.TokenType != type) throw new JsonException($"expected {type}, got {reader.TokenType}");
    }
}
