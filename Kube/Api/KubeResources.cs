using k8s;
using k8s.Models;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Purelb.Kube;

/// <summary>The built-in kinds purelb reads or writes.</summary>
public static class KubeResources
{
    private static KubeModelJsonContext Json => KubeModelJsonContext.Default;

    // Declared before the resources that use it: static fields initialize in text order.
    private static readonly JsonSerializerOptions ConverterOptions = new(Json.Options);

    public static readonly KubeResource<V1Service, V1ServiceList> Services =
        KubeResource.Create("", "v1", "Service", "services", true, Json.V1Service, Json.V1ServiceList);

    /// <summary>Services read with only the fields <see cref="ServiceProjection"/> keeps (<see cref="TrimmedServiceConverter"/>):
    /// for the informers, whose objects are trimmed anyway. Never for a read that is written back.</summary>
    public static readonly KubeResource<V1Service, V1ServiceList> TrimmedServices = CreateTrimmedServices();

    /// <summary>Metadata only (<see cref="MetadataOnlyConverter{T}"/>): the agent reads its own Node's uid and labels.</summary>
    public static readonly KubeResource<V1Node, V1NodeList> Nodes =
        ReadBy<V1Node, V1NodeList>("", "v1", "Node", "nodes", false, new MetadataOnlyConverter<V1Node>());

    public static readonly KubeResource<Corev1Event, Corev1EventList> Events =
        KubeResource.Create("", "v1", "Event", "events", true, Json.Corev1Event, Json.Corev1EventList);

    /// <summary>Trimmed (<see cref="TrimmedEndpointSliceConverter"/>): only what externalTrafficPolicy Local reads.</summary>
    public static readonly KubeResource<V1EndpointSlice, V1EndpointSliceList> EndpointSlices =
        ReadBy<V1EndpointSlice, V1EndpointSliceList>("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true, new TrimmedEndpointSliceConverter());

    /// <summary>Read only: Netbox API tokens and CA bundles referenced by ServiceGroups.</summary>
    public static readonly KubeResource<V1Secret, V1SecretList> Secrets =
        KubeResource.Create("", "v1", "Secret", "secrets", true, Json.V1Secret, Json.V1SecretList);

    public static readonly KubeResource<V1Lease, V1LeaseList> Leases =
        KubeResource.Create("coordination.k8s.io", "v1", "Lease", "leases", true, Json.V1Lease, Json.V1LeaseList);

    private static KubeResource<V1Service, V1ServiceList> CreateTrimmedServices()
    {
        var json = TrimmedServiceConverter.CreateContext();
        return KubeResource.Create("", "v1", "Service", "services", true, json.V1Service, json.V1ServiceList);
    }

    /// <summary>A kind read and written by its own converter, lists too: no generated type information for the
    /// model's graph is compiled in.</summary>
    private static KubeResource<T, TList> ReadBy<T, TList>(string group, string version, string kind, string plural, bool namespaced,
        JsonConverter<T> converter)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TList : class, IItems<T>, IMetadata<V1ListMeta>, new()
    {
        return KubeResource.Create(group, version, kind, plural, namespaced,
            JsonMetadataServices.CreateValueInfo<T>(ConverterOptions, converter),
            JsonMetadataServices.CreateValueInfo<TList>(ConverterOptions, new ItemListConverter<T, TList>(converter)));
    }
}
