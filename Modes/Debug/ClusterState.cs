using k8s.Models;
using Purelb.Kube;
using Purelb.Kube.Crd;
using Purelb.Kube.Yaml;

namespace Purelb.Modes.Debug;

/// <summary>
/// One read of the cluster for a debug report. The purelb objects land in a <see cref="ManifestSet"/> under the
/// pseudo-file "cluster", so the file and live reports share their builders and problem format.
/// </summary>
public sealed record ClusterState(
    string InstallNamespace,
    DateTimeOffset Now,
    ManifestSet Objects,
    IReadOnlyList<V1Lease> Leases,
    IReadOnlyList<V1EndpointSlice> EndpointSlices,
    IReadOnlyList<Corev1Event> Events,
    IReadOnlyList<string> Notes)
{
    public const string Origin = "cluster";

    /// <summary>What a report needs beyond ServiceGroups, LBNodeAgents and Services.</summary>
    [Flags]
    public enum Extras
    {
        None = 0,
        Leases = 1,
        EndpointSlices = 2,
        Events = 4,
    }

    /// <summary>Lists ServiceGroups, LBNodeAgents and Leases in the install namespace and Services (and the asked extras) in all.</summary>
    public static async Task<ClusterState> LoadAsync(KubeApiClient api, string installNamespace, Extras extras, TimeProvider time, CancellationToken ct)
    {
        var notes = new List<string>();
        var groups = api.ListAsync(CrdResources.ServiceGroups, installNamespace, ct);
        var services = api.ListAsync(KubeResources.Services, null, ct);
        var agents = Optional(api.ListAsync(CrdResources.LBNodeAgents, installNamespace, ct), CrdResources.LBNodeAgents, "LBNodeAgents", notes);
        var leases = extras.HasFlag(Extras.Leases) ? api.ListAsync(KubeResources.Leases, installNamespace, ct) : null;
        var slices = extras.HasFlag(Extras.EndpointSlices)
            ? Optional(api.ListAsync(KubeResources.EndpointSlices, null, ct), KubeResources.EndpointSlices, "EndpointSlices", notes)
            : null;
        var events = extras.HasFlag(Extras.Events)
            ? Optional(api.ListAsync(KubeResources.Events, null, ct), KubeResources.Events, "Events", notes)
            : null;

        var objects = new ManifestSet();
        foreach (var group in CrdResources.ServiceGroups.ItemsOf(await groups))
        {
            objects.ServiceGroups.Add(new Sourced<ServiceGroup>(group, Source(ServiceGroup.KindName, group.Metadata)));
        }
        foreach (var agent in await agents)
        {
            objects.LBNodeAgents.Add(new Sourced<LBNodeAgent>(agent, Source(LBNodeAgent.KindName, agent.Metadata)));
        }
        foreach (var service in KubeResources.Services.ItemsOf(await services))
        {
            objects.Services.Add(new Sourced<V1Service>(service, Source("Service", service.Metadata)));
        }
        return new ClusterState(
            installNamespace,
            time.GetUtcNow(),
            objects,
            leases is null ? [] : KubeResources.Leases.ItemsOf(await leases).ToList(),
            slices is null ? [] : (await slices).ToList(),
            events is null ? [] : (await events).ToList(),
            notes);
    }

    private static ManifestSource Source(string kind, V1ObjectMeta? meta) =>
        new(Origin, 0, kind, meta?.NamespaceProperty, meta?.Name);

    // A missing CRD or a forbidden list leaves that part of the report empty instead of failing it.
    private static async Task<IReadOnlyList<T>> Optional<T, TList>(Task<TList> list, KubeResource<T, TList> resource, string what, List<string> notes)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
        where TList : class
    {
        try
        {
            return resource.ItemsOf(await list).ToList();
        }
        catch (KubeApiException e) when (e.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Forbidden)
        {
            notes.Add($"{what} could not be listed ({(int)e.StatusCode} {e.Reason}); that part of the report is empty.");
            return [];
        }
    }
}
