namespace Purelb.Kube.Crd;

/// <summary>API group and version shared by every purelb custom resource.</summary>
public static class CrdNames
{
    public const string Group = "purelb.io";
    public const string Version = "v2";
    public const string ApiVersion = Group + "/" + Version;
}
