using System.Text.Json.Serialization;
using k8s.Models;

namespace Purelb.Kube;

/// <summary>
/// Source-generated JSON for exactly the Kubernetes kinds purelb reads or writes. The client library's own context
/// covers every kind of the whole API; referencing it roots all of them in the native binary (about 10 MB), so the
/// product goes through this one instead. Nodes and EndpointSlices are read by their own trimming converters
/// (<see cref="KubeResources"/>), without the models' generated graphs. Options match the library's: camelCase, nulls omitted, RFC 3339 times.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    Converters = [typeof(KubeTimeJsonConverter)])]
[JsonSerializable(typeof(V1Service))]
[JsonSerializable(typeof(V1ServiceList))]
[JsonSerializable(typeof(Corev1Event))]
[JsonSerializable(typeof(Corev1EventList))]
[JsonSerializable(typeof(V1Secret))]
[JsonSerializable(typeof(V1SecretList))]
[JsonSerializable(typeof(V1Lease))]
[JsonSerializable(typeof(V1LeaseList))]
[JsonSerializable(typeof(V1DeleteOptions))]
public sealed partial class KubeModelJsonContext : JsonSerializerContext;
