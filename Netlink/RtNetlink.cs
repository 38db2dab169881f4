using Purelb.Netlink.Route;

namespace Purelb.Netlink;

/// <summary>
/// The agent's entry point to rtnetlink: one long-lived connection with its link, address and route services,
/// optionally opened inside a named network namespace.
/// </summary>
public sealed class RtNetlink : IDisposable
{
    private RtNetlink(NetlinkConnection connection)
    {
        Connection = connection;
        Links = new LinkService(connection);
        Addresses = new AddressService(connection);
        Routes = new RouteService(connection);
    }

    public static RtNetlink Open(NetworkNamespace? networkNamespace = null) => new(NetlinkConnection.Open(networkNamespace));

    public NetlinkConnection Connection { get; }

    public LinkService Links { get; }

    public AddressService Addresses { get; }

    public RouteService Routes { get; }

    public void Dispose() => Connection.Dispose();
}
