using System.Text.Json.Nodes;

namespace Purelb.Kube.Yaml;

/// <summary>One document of a YAML stream as JSON, with the 1-based line its content starts on (for error messages).</summary>
public sealed record YamlDocument(JsonNode? Root, int Line, int Index);
