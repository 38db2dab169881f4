using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Purelb.Tests.Kube;

/// <summary>A custom resource type (the API server's test CRD widgets.example.com) to show the generic informer
/// works for any kind given only paths and source-generated type info.</summary>
public sealed class Widget : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "example.com/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "Widget";
    [JsonPropertyName("metadata")] public V1ObjectMeta Metadata { get; set; } = new();
    [JsonPropertyName("spec")] public WidgetSpec Spec { get; set; } = new();
}

public sealed class WidgetSpec
{
    [JsonPropertyName("color")] public string Color { get; set; } = "red";
    [JsonPropertyName("size")] public int? Size { get; set; }
}

public sealed class WidgetList
{
    [JsonPropertyName("metadata")] public V1ListMeta? Metadata { get; set; }
    [JsonPropertyName("items")] public List<Widget> Items { get; set; } = [];
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(KubernetesJson.KubernetesDateTimeConverter), typeof(KubernetesJson.KubernetesDateTimeOffsetConverter)])]
[JsonSerializable(typeof(Widget))]
[JsonSerializable(typeof(WidgetList))]
public sealed partial class WidgetJsonContext : JsonSerializerContext;

public static class Widgets
{
    public static readonly Purelb.Kube.KubeResource<Widget, WidgetList> Resource = new(
        "example.com", "v1", "Widget", "widgets", namespaced: true,
        WidgetJsonContext.Default.Widget, WidgetJsonContext.Default.WidgetList,
        l => l.Items, l => l.Metadata);
}
