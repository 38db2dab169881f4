using Purelb.Tests.Harness;

namespace Purelb.Tests.Demo;

/// <summary>
/// What the machine must offer before the demo builds anything: root, the tools it runs, and the kernel's network
/// namespaces, veth pairs and bridges (tried for real in a throw-away namespace, since a kernel can lack any of them).
/// </summary>
public static class DemoPreflight
{
    /// <summary>Null when the demo can run, else what is missing, phrased for the user.</summary>
    public static string? WhyNot()
    {
        if (!OperatingSystem.IsLinux()) return "the demo needs Linux (network namespaces).";
        if (!Shell.IsRoot) return "the demo needs root: it creates network namespaces, veth pairs and a bridge. Run it with sudo.";
        foreach (var tool in new[] { "ip", "ping" })
            if (!OnPath(tool)) return $"the demo needs `{tool}` (Debian packages iproute2, iputils-ping); ./build.sh demo installs them when run as root.";
        var probe = NetNamespace.UniquePrefix("demo-probe");
        try
        {
            if (Shell.Run("ip", ["netns", "add", probe], check: false).ExitCode != 0)
                return "this kernel cannot create network namespaces (CONFIG_NET_NS); the demo needs them.";
            if (Shell.Run("ip", ["-n", probe, "link", "add", "v0", "type", "veth", "peer", "name", "v1"], check: false).ExitCode != 0)
                return "this kernel has no veth support (CONFIG_VETH); the demo needs veth pairs to join nodes to the LAN.";
            if (Shell.Run("ip", ["-n", probe, "link", "add", "br0", "type", "bridge"], check: false).ExitCode != 0)
                return "this kernel has no bridge support (CONFIG_BRIDGE); the demo needs a bridge as the nodes' LAN.";
            return null;
        }
        finally
        {
            Shell.Run("ip", ["netns", "del", probe], check: false);
        }
    }

    /// <summary>Why the BGP part cannot run (gobgpd or bird missing), or null.</summary>
    public static string? WhyNoBgp()
    {
        foreach (var (tool, package) in new[] { ("gobgpd", "gobgpd"), ("bird", "bird2"), ("birdc", "bird2") })
            if (!OnPath(tool)) return $"`{tool}` is not installed (Debian package {package})";
        return null;
    }

    public static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin:/usr/sbin:/sbin").Split(':')
        .Concat(["/usr/sbin", "/sbin"])
        .Any(dir => File.Exists(Path.Combine(dir, tool)));
}
