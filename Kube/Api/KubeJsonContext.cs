using System.Text.Json.Serialization;

namespace Purelb.Kube;

/// <summary>Source-generated JSON for the few shapes this folder owns; Kubernetes models use
/// <see cref="KubeModelJsonContext"/>.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApiStatus))]
[JsonSerializable(typeof(Dictionary<string, string?>))]
internal sealed partial class KubeJsonContext : JsonSerializerContext;
