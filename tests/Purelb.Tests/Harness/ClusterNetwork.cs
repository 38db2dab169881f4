namespace Purelb.Tests.Harness;

/// <summary>
/// The network of a cluster on one machine: a LAN namespace holding a bridge, a control-plane
/// namespace and one namespace per node, each joined to the bridge by a veth. Addresses come from
/// the documentation ranges 192.0.2.0/24 and 2001:db8::/64; nothing routes outside these namespaces.
/// </summary>
public sealed class ClusterNetwork : IDisposable
{
    public const string ControlPlaneV4 = "192.0.2.1";
    public const string ControlPlaneV6 = "2001:db8::1";
    /// <summary>An address no namespace holds: the default route's gateway, so each node has a default-route interface.</summary>
    public const string GatewayV4 = "192.0.2.254";
    public const string GatewayV6 = "2001:db8::fe";

    private readonly List<NetNamespace> _all = [];

    public ClusterNetwork(string prefix, int nodeCount)
    {
        Prefix = prefix;
        try
        {
            Lan = Add(NetNamespace.Create($"{prefix}-lan"));
            Lan.Ip("link", "add", "br0", "type", "bridge");
            Lan.Ip("link", "set", "br0", "type", "bridge", "forward_delay", "0");
            Lan.Ip("link", "set", "br0", "up");
            ControlPlane = Add(NetNamespace.Create($"{prefix}-cp"));
            Attach(ControlPlane, "cp", $"{ControlPlaneV4}/24", $"{ControlPlaneV6}/64");
            var nodes = new List<ClusterNode>();
            for (int i = 1; i <= nodeCount; i++)
            {
                var ns = Add(NetNamespace.Create($"{prefix}-n{i}"));
                var v4 = $"192.0.2.{10 + i}";
                var v6 = $"2001:db8::{10 + i:x}";
                Attach(ns, $"n{i}", $"{v4}/24", $"{v6}/64");
                ns.Ip("route", "add", "default", "via", GatewayV4, "dev", "eth0", "onlink");
                ns.Ip("-6", "route", "add", "default", "via", GatewayV6, "dev", "eth0", "onlink");
                nodes.Add(new ClusterNode($"node{i}", ns, v4, v6));
            }
            Nodes = nodes;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Prefix { get; }
    public NetNamespace Lan { get; } = null!;
    public NetNamespace ControlPlane { get; } = null!;
    public IReadOnlyList<ClusterNode> Nodes { get; } = [];

    private NetNamespace Add(NetNamespace ns)
    {
        _all.Add(ns);
        return ns;
    }

    private void Attach(NetNamespace ns, string tag, string v4, string v6)
    {
        var lanSide = $"{tag}-lan";
        // Create both ends in the LAN namespace, then move one into the member namespace as eth0.
        Lan.Ip("link", "add", lanSide, "type", "veth", "peer", "name", $"{tag}-eth0");
        Lan.Ip("link", "set", $"{tag}-eth0", "netns", ns.Name);
        Lan.Ip("link", "set", lanSide, "master", "br0");
        Lan.Ip("link", "set", lanSide, "up");
        ns.Ip("link", "set", $"{tag}-eth0", "name", "eth0");
        // Skip duplicate address detection for the nodes' own addresses: the lab is ready at once.
        ns.Sysctl("net.ipv6.conf.eth0.accept_dad", "0");
        ns.Ip("addr", "add", v4, "dev", "eth0");
        ns.Ip("addr", "add", v6, "dev", "eth0", "nodad");
        ns.Ip("link", "set", "eth0", "up");
    }

    /// <summary>Adds another bridge (a second L2 segment) in the LAN namespace.</summary>
    public void AddBridge(string name)
    {
        Lan.Ip("link", "add", name, "type", "bridge");
        Lan.Ip("link", "set", name, "type", "bridge", "forward_delay", "0");
        Lan.Ip("link", "set", name, "up");
    }

    /// <summary>
    /// Gives a node a further interface <paramref name="device"/> on <paramref name="bridge"/> with the given addresses;
    /// with <paramref name="defaultGatewayV4"/> the node's IPv4 default route moves to it (that interface's subnet is then
    /// the one the node advertises by default). The control plane stays reachable through eth0's connected route.
    /// </summary>
    public void AddInterface(ClusterNode node, string device, string bridge, string v4Cidr, string? v6Cidr = null, string? defaultGatewayV4 = null)
    {
        var lanSide = $"{node.Tag}-l{device}";
        Lan.Ip("link", "add", lanSide, "type", "veth", "peer", "name", $"{node.Tag}-{device}");
        Lan.Ip("link", "set", $"{node.Tag}-{device}", "netns", node.Namespace.Name);
        Lan.Ip("link", "set", lanSide, "master", bridge);
        Lan.Ip("link", "set", lanSide, "up");
        var ns = node.Namespace;
        ns.Ip("link", "set", $"{node.Tag}-{device}", "name", device);
        ns.Sysctl($"net.ipv6.conf.{device}.accept_dad", "0");
        ns.Ip("addr", "add", v4Cidr, "dev", device);
        if (v6Cidr is not null) ns.Ip("addr", "add", v6Cidr, "dev", device, "nodad");
        ns.Ip("link", "set", device, "up");
        if (defaultGatewayV4 is not null) ns.Ip("route", "replace", "default", "via", defaultGatewayV4, "dev", device, "onlink");
    }

    /// <summary>Cuts a node off from everything (its veth down), as a partitioned node would be.</summary>
    public void Disconnect(ClusterNode node) => Lan.Ip("link", "set", $"{node.Tag}-lan", "down");

    public void Reconnect(ClusterNode node) => Lan.Ip("link", "set", $"{node.Tag}-lan", "up");

    public void Dispose()
    {
        foreach (var ns in Enumerable.Reverse(_all)) ns.Dispose();
        _all.Clear();
    }
}

/// <param name="Name">The Kubernetes Node name.</param>
public sealed record ClusterNode(string Name, NetNamespace Namespace, string AddressV4, string AddressV6)
{
    public string Tag => "n" + Name["node".Length..];

    /// <summary>The addresses on an interface, as `ip -j addr` reports them.</summary>
    public IReadOnlyList<string> Addresses(string device = "eth0")
    {
        var json = Namespace.Ip("-j", "addr", "show", "dev", device);
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var result = new List<string>();
        foreach (var link in doc.RootElement.EnumerateArray())
            foreach (var a in link.GetProperty("addr_info").EnumerateArray())
                result.Add(a.GetProperty("local").GetString()!);
        return result;
    }
}
