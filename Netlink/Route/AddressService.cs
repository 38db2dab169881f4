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

    private readonly NetlinkConnection.AckResult[] _acks = new NetlinkConnection.AckResult[MaxBatch];

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

    /// <summary>Largest encoded address request (IPv6 with flags and cacheinfo is 92 bytes), rounded up.</summary>
    private const int MaxRequestBytes = 128;

    /// <summary>Requests per datagram: keeps the burst of ACKs well inside the default socket receive buffer.</summary>
    private const int MaxBatch = 64;

    /// <summary>
    /// Adds or renews many addresses on one link, several requests per datagram. <paramref name="results"/>[i] gets
    /// address i's errno (None on success); returns how many failed. Allocates nothing when all succeed.
    /// </summary>
    public int ReplaceMany(int interfaceIndex, ReadOnlySpan<IPAddress> addresses, byte prefixLength, AddressOptions options, Span<Errno> results) =>
        Batch(interfaceIndex, addresses, prefixLength, options, results, delete: false);

    /// <summary>Deletes many addresses from one link, several requests per datagram; as <see cref="ReplaceMany"/>.</summary>
    public int DeleteMany(int interfaceIndex, ReadOnlySpan<IPAddress> addresses, byte prefixLength, Span<Errno> results) =>
        Batch(interfaceIndex, addresses, prefixLength, default, results, delete: true);

    private int Batch(int interfaceIndex, ReadOnlySpan<IPAddress> addresses, byte prefixLength, in AddressOptions options, Span<Errno> results, bool delete)
    {
        if (results.Length < addresses.Length) throw new ArgumentException("one result slot per address is needed", nameof(results));
        int failures = 0;
        lock (_connection.SyncRoot)
        {
            var buffer = _connection.RequestBuffer;
            int done = 0;
            while (done < addresses.Length)
            {
                int length = 0, count = 0;
                while (done + count < addresses.Length && count < MaxBatch && length + MaxRequestBytes <= buffer.Length)
                {
                    var address = addresses[done + count];
                    var request = delete
                        ? AddressMessage.Delete(buffer.Slice(length), interfaceIndex, address, prefixLength)
                        : AddressMessage.Add(buffer.Slice(length), interfaceIndex, address, prefixLength, options, replace: true);
                    length += request.Finish(0, 0).Length;
                    count++;
                }
                _connection.ExecuteAckBatch(length, count, _acks);
                for (int i = 0; i < count; i++)
                {
                    results[done + i] = _acks[i].Errno;
                    if (_acks[i].Errno != Errno.None) failures++;
                }
                done += count;
            }
        }
        return failures;
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
