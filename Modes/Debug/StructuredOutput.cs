using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Purelb.Kube.Yaml;

namespace Purelb.Modes.Debug;

/// <summary>JSON (source-generated) and YAML (the same tree through <see cref="YamlWriter"/>) for every debug report.</summary>
public static class StructuredOutput
{
    public static readonly string[] Formats = ["table", "json", "yaml"];

    /// <summary>Writes JSON or YAML and returns true; false for "table", which the caller prints itself.</summary>
    public static bool TryWrite<T>(T report, JsonTypeInfo<T> type, string format, TextWriter output)
    {
        switch (format)
        {
            case "json":
                output.WriteLine(JsonSerializer.Serialize(report, type));
                return true;
            case "yaml":
                output.Write(YamlWriter.Write(JsonSerializer.SerializeToNode(report, type)));
                return true;
            default:
                return false;
        }
    }
}
