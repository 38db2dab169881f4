using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;

namespace Purelb.Kube.Yaml;

/// <summary>
/// Types YAML scalars by the YAML 1.2 core schema: plain `null`/`~`/empty are null, `true`/`false` (three
/// casings) are booleans, decimal, `0x` and `0o` integers and decimal floats are numbers; quoted, block and
/// `!!str`-tagged scalars, and everything else, stay strings. YAML 1.1's yes/no/on/off are strings here.
/// </summary>
internal static class YamlScalars
{
    private const string TagPrefix = "tag:yaml.org,2002:";

    public static JsonNode? ToJson(string value, ScalarStyle style, string? tag, Mark start)
    {
        if (!string.IsNullOrEmpty(tag) && tag != "!")
        {
            return FromTag(value, tag, start);
        }
        if (style != ScalarStyle.Plain || tag == "!")
        {
            return JsonValue.Create(value);
        }
        return Resolve(value) ?? (IsNull(value) ? null : JsonValue.Create(value));
    }

    private static JsonNode? FromTag(string value, string tag, Mark start)
    {
        var shortTag = tag.StartsWith(TagPrefix, StringComparison.Ordinal) ? tag[TagPrefix.Length..] : tag;
        switch (shortTag)
        {
            case "str":
                return JsonValue.Create(value);
            case "null":
                return null;
            case "bool":
                return TryBool(value, out var b) ? JsonValue.Create(b) : throw Bad(value, tag, start);
            case "int":
                return TryInt(value) ?? throw Bad(value, tag, start);
            case "float":
                return TryInt(value) ?? TryFloat(value) ?? throw Bad(value, tag, start);
            default:
                // Local tags carry no meaning for Kubernetes objects: keep the text.
                return JsonValue.Create(value);
        }
    }

    private static YamlLoadException Bad(string value, string tag, Mark start) =>
        new($"\"{value}\" is not a valid {tag}", (int)start.Line, (int)start.Column);

    private static JsonNode? Resolve(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }
        if (TryBool(value, out var b))
        {
            return JsonValue.Create(b);
        }
        return TryInt(value) ?? TryFloat(value);
    }

    private static bool IsNull(string value) => value is "" or "~" or "null" or "Null" or "NULL";

    private static bool TryBool(string value, out bool result)
    {
        switch (value)
        {
            case "true" or "True" or "TRUE":
                result = true;
                return true;
            case "false" or "False" or "FALSE":
                result = false;
                return true;
            default:
                result = false;
                return false;
        }
    }

    private static JsonNode? TryInt(string value)
    {
        var span = value.AsSpan();
        if (span.StartsWith("0x"))
        {
            return span.Length > 2 && long.TryParse(span[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) && hex >= 0
                ? JsonValue.Create(hex) : null;
        }
        if (span.StartsWith("0o"))
        {
            return span.Length > 2 && TryOctal(span[2..], out var octal) ? JsonValue.Create(octal) : null;
        }
        var digits = span.Length > 0 && (span[0] == '-' || span[0] == '+') ? span[1..] : span;
        if (digits.Length == 0 || !IsAllDigits(digits))
        {
            return null;
        }
        if (long.TryParse(span, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
        {
            return JsonValue.Create(number);
        }
        return decimal.TryParse(span, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var big)
            ? JsonValue.Create(big) : null;
    }

    private static bool TryOctal(ReadOnlySpan<char> digits, out long result)
    {
        result = 0;
        foreach (var c in digits)
        {
            if (c is < '0' or > '7' || result > (long.MaxValue >> 3))
            {
                return false;
            }
            result = (result << 3) | (long)(c - '0');
        }
        return true;
    }

    private static JsonNode? TryFloat(string value)
    {
        // Core-schema floats: [-+]?(.digits|digits(.digits?)?)([eE][-+]?digits)?; .inf and .nan have no JSON form.
        var span = value.AsSpan();
        var i = span.Length > 0 && (span[0] == '-' || span[0] == '+') ? 1 : 0;
        var intDigits = CountDigits(span, i);
        i += intDigits;
        var fracDigits = 0;
        var hasDot = i < span.Length && span[i] == '.';
        if (hasDot)
        {
            i++;
            fracDigits = CountDigits(span, i);
            i += fracDigits;
        }
        if (intDigits == 0 && fracDigits == 0)
        {
            return null;
        }
        var hasExponent = i < span.Length && (span[i] == 'e' || span[i] == 'E');
        if (hasExponent)
        {
            i++;
            if (i < span.Length && (span[i] == '-' || span[i] == '+'))
            {
                i++;
            }
            var expDigits = CountDigits(span, i);
            if (expDigits == 0)
            {
                return null;
            }
            i += expDigits;
        }
        if (i != span.Length || (!hasDot && !hasExponent))
        {
            return null;
        }
        return double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            ? JsonValue.Create(d) : null;
    }

    private static int CountDigits(ReadOnlySpan<char> span, int from)
    {
        var n = 0;
        while (from + n < span.Length && char.IsAsciiDigit(span[from + n]))
        {
            n++;
        }
        return n;
    }

    private static bool IsAllDigits(ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return true;
    }
}
