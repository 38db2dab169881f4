namespace Purelb.Kube.Crd;

/// <summary>Where our custom resources live in the REST tree, for the generic list-watch and writers.</summary>
public static class CrdResources
{
    public static readonly KubeResource<ServiceGroup, ServiceGroupList> ServiceGroups = new(
        CrdNames.Group, CrdNames.Version, ServiceGroup.KindName, ServiceGroup.Plural, namespaced: true,
        CrdJsonContext.Default.ServiceGroup, CrdJsonContext.Default.ServiceGroupList,
        list => list.Items, list => list.Metadata);

    public static readonly KubeResource<LBNodeAgent, LBNodeAgentList> LBNodeAgents = new(
        CrdNames.Group, CrdNames.Version, LBNodeAgent.KindName, LBNodeAgent.Plural, namespaced: true,
        CrdJsonContext.Default.LBNodeAgent, CrdJsonContext.Default.LBNodeAgentList,
        list => list.Items, list => list.Metadata);
}
