namespace Purelb.Kube.Agent;

/// <param name="NodeName">This node.</param>
/// <param name="InstallNamespace">Where our Leases and LBNodeAgents live.</param>
public sealed record AgentSettings(string NodeName, string InstallNamespace);
