using System.Text.Json.Serialization;

namespace Purelb.Modes.Debug;

/// <summary>Source-generated JSON for the debug reports (native-AOT safe).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(PoolsReport))]
[JsonSerializable(typeof(ServicesReport))]
[JsonSerializable(typeof(ElectionReport))]
[JsonSerializable(typeof(ValidateReport))]
internal sealed partial class DebugJsonContext : JsonSerializerContext
{
}
