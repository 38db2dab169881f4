using System.Net;
using System.Net.Sockets;
using Purelb.Netlink.Interop;

namespace Purelb.Netlink.Route;

/// <summary>
/// Interface addresses: list, add/replace with lifetimes and flags, delete. Add, replace and delete allocate
/// nothing when they succeed (the request is encoded into the connection's buffer).
/// </summary>
public sealed class AddressService
{
    private readonly NetlinkConnection _connection;

    public AddressService(NetlinkConnection connection) => _connection = connection;

    /// <summary>Every address of <paramref name="family"/> (Unspecified: both), optionally of one interface.</summary>
    public DumpResult<AddressInfo> List(AddressFamily family = AddressFamily.Unspecified, int interfaceIndex = 0)
    {
        lock (_connection.SyncRoot)
        {
            var request = AddressMessage.Dump(_connection.RequestBuffer, family);
            var replies = _connection.Query(ref request, "list addresses");
            var found = new List<AddressInfo>();
            try
            {
                while (replies.MoveNext())
                {
                    if (replies.Current.Type != NetlinkConstants.RTM_NEWADDR) continue;
                    var address = AddressMessage.Decode(replies.Current);
                    if (interfaceIndex != 0 && address.InterfaceIndex != interfaceIndex) continue;
                    if (family != AddressFamily.Unspecified && address.Address.AddressFamily != family) continue;
                    found.Add(address);
                }
                return new DumpResult<AddressInfo>(found, replies.Interrupted);
            }
            finally
            {
                replies.Dispose();
            }
        }
    }

    /// <summary>Adds the address, or renews it in place when present (CREATE|REPLACE; every add and renewal).</summary>
    public void Replace(int interfaceIndex, IPAddress address, byte prefixLength, AddressOptions options)
    {
        var result = Send(interfaceIndex, address, prefixLength, options, replace: true);
        if (!result.Succeeded) throw result.ToException($"add/replace address {address}/{prefixLength} on link #{interfaceIndex}");
    }

    /// <summary>Adds the address; <see cref="NetlinkException"/> with EEXIST when it is already there.</summary>
    public void Add(int interfaceIndex, IPAddress address, byte prefixLength, AddressOptions options)
    {
        var result = Send(interfaceIndex, address, prefixLength, options, replace: false);
        if (!result.Succeeded) throw result.ToException($"add address {address}/{prefixLength} on link #{interfaceIndex}");
    }

    /// <summary>Removes the address; <see cref="NetlinkException"/> with EADDRNOTAVAIL when it is not there.</summary>
    public void Delete(int interfaceIndex, IPAddress address, byte prefixLength)
    {
        NetlinkConnection.AckResult result;
        lock (_connection.SyncRoot)
        {
            var request = AddressMessage.Delete(_connection.RequestBuffer, interfaceIndex, address, prefixLength);
            result = _connection.ExecuteAck(ref request);
        }
        if (!result.Succeeded) throw result.ToException($"delete address {address}/{prefixLength} from link #{interfaceIndex}");
    }

    private NetlinkConnection.AckResult Send(int interfaceIndex, IPAddress address, byte prefixLength, in AddressOptions options, bool replace)
    {
        lock (_connection.SyncRoot)
        {
            var request = AddressMessage.Add(_connection.RequestBuffer, interfaceIndex, address, prefixLength, options, replace);
            return _connection.ExecuteAck(ref request);
        }
    }
}
