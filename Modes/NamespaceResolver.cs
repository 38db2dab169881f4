namespace Purelb.Modes;

/// <summary>The install namespace: the flag or env value, else the pod's service-account namespace, else "" (allocator.md §1.1).</summary>
public static class NamespaceResolver
{
    private const string ServiceAccountNamespace = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";

    public static string Resolve(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured)) return configured.Trim();
        try
        {
            return File.Exists(ServiceAccountNamespace) ? File.ReadAllText(ServiceAccountNamespace).Trim() : "";
        }
        catch (IOException)
        {
            return "";
        }
    }
}
