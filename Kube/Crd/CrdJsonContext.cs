using System.Text.Json.Serialization;

namespace Purelb.Kube.Crd;

/// <summary>
/// Source-generated JSON for the purelb custom resources (no reflection, native-AOT safe). Absent
/// optional fields stay absent when written back.
/// </summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ServiceGroup))]
[JsonSerializable(typeof(ServiceGroupList))]
[JsonSerializable(typeof(LBNodeAgent))]
[JsonSerializable(typeof(LBNodeAgentList))]
public sealed partial class CrdJsonContext : JsonSerializerContext
{
}
