using k8s.Exceptions;
using Purelb.Kube;

namespace Purelb.Modes.Debug;

/// <summary>Connects to the cluster for a debug command, reads it once and turns every way that can fail into one clear line.</summary>
public static class LiveCluster
{
    /// <summary>Exit code when the cluster could not be read at all.</summary>
    public const int ExitUnreachable = 2;

    public static async Task<int> RunAsync(string command, string? kubeconfig, string? installNamespace, ClusterState.Extras extras,
        Func<ClusterState, int> report, TextWriter error, CancellationToken ct)
    {
        ClusterState state;
        try
        {
            using var api = KubeClientFactory.Create(kubeconfig, userAgent: $"purelb-debug/{VersionCommand.Version}");
            state = await ClusterState.LoadAsync(api, NamespaceResolver.Resolve(installNamespace), extras, TimeProvider.System, ct);
        }
        catch (Exception e) when (e is KubeApiException or HttpRequestException or KubeConfigException or IOException
                                      or TimeoutException or TaskCanceledException or FormatException or UnauthorizedAccessException)
        {
            error.WriteLine($"purelb {command}: cannot read the cluster: {e.Message}");
            return ExitUnreachable;
        }
        return report(state);
    }
}
