namespace Purelb.Ipam;

/// <summary>Which spec block a group came from.</summary>
public enum PoolKind
{
    /// <summary><c>spec.local</c>: allocated here, announced on a node's own interface.</summary>
    Local,
    /// <summary><c>spec.remote</c>: allocated here, announced by BGP from <c>kube-lb0</c>.</summary>
    Remote,
    /// <summary><c>spec.external</c>: allocated by an external IPAM; this core only resolves it.</summary>
    External,
}
