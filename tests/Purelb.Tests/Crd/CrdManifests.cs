using System.Text.Json.Nodes;
using Purelb.Kube.Yaml;

namespace Purelb.Tests.Crd;

/// <summary>The CRD and sample files as the test run sees them (copied from deploy/ into the output).</summary>
internal static class CrdManifests
{
    public static string DeployPath(params string[] parts) =>
        Path.Combine([AppContext.BaseDirectory, "deploy", .. parts]);

    public static JsonObject LoadCrd(string fileName) =>
        (JsonObject)YamlReader.ReadSingle(File.ReadAllText(DeployPath("crds", fileName)))!;

    /// <summary>The openAPIV3Schema of the only version.</summary>
    public static JsonObject Schema(JsonObject crd) =>
        (JsonObject)crd["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]!;

    public static IReadOnlyList<JsonNode> Documents(params string[] parts) =>
        YamlReader.ReadDocuments(File.ReadAllText(DeployPath(parts))).Select(d => d.Root!).ToList();
}
