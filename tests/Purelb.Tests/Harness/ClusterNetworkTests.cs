using Xunit;

namespace Purelb.Tests.Harness;

[Trait("Category", "Kernel")]
public class ClusterNetworkTests
{
    [Fact]
    public void Nodes_reach_the_control_plane_over_the_lan_and_a_disconnected_node_does_not()
    {
        using var net = new ClusterNetwork(NetNamespace.UniquePrefix("lab"), nodeCount: 2);
        var n1 = net.Nodes[0];
        Assert.Contains(n1.AddressV4, n1.Addresses());
        Assert.Equal(0, n1.Namespace.Exec(false, "ping", "-c1", "-W1", ClusterNetwork.ControlPlaneV4).ExitCode);
        Assert.Equal(0, n1.Namespace.Exec(false, "ping", "-6", "-c1", "-W1", ClusterNetwork.ControlPlaneV6).ExitCode);
        net.Disconnect(n1);
        Assert.NotEqual(0, n1.Namespace.Exec(false, "ping", "-c1", "-W1", ClusterNetwork.ControlPlaneV4).ExitCode);
        net.Reconnect(n1);
    }

    [Fact]
    public async Task A_socket_made_inside_a_namespace_serves_the_nodes()
    {
        using var net = new ClusterNetwork(NetNamespace.UniquePrefix("lab"), nodeCount: 1);
        using var listener = NamespaceSockets.Listen(net.ControlPlane.Name,
            new System.Net.IPEndPoint(System.Net.IPAddress.Parse(ClusterNetwork.ControlPlaneV4), 6443));
        var accept = listener.AcceptAsync();
        using var handler = NamespaceSockets.HttpHandler(net.Nodes[0].Namespace.Name);
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
        var request = client.GetAsync($"http://{ClusterNetwork.ControlPlaneV4}:6443/");
        using var accepted = await accept.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(net.Nodes[0].AddressV4, ((System.Net.IPEndPoint)accepted.RemoteEndPoint!).Address.ToString());
    }
}
