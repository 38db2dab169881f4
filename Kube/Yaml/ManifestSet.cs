using k8s.Models;
using Purelb.Kube.Crd;

namespace Purelb.Kube.Yaml;

/// <summary>The objects read from a set of files, by kind, with every problem found on the way.</summary>
public sealed class ManifestSet
{
    public List<Sourced<ServiceGroup>> ServiceGroups { get; } = [];
    public List<Sourced<LBNodeAgent>> LBNodeAgents { get; } = [];
    public List<Sourced<V1Service>> Services { get; } = [];

    /// <summary>Objects of kinds we do not read (ConfigMaps, Deployments…); not an error.</summary>
    public List<ManifestSource> Ignored { get; } = [];

    public List<ManifestProblem> Problems { get; } = [];

    public bool HasProblems => Problems.Count > 0;
}
