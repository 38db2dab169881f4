using System.Globalization;
using Purelb.Netlink.Interop;

namespace Purelb.Netlink.Route;

/// <summary>Links (network interfaces): look up, list, create, set up, delete. Serialised on the connection.</summary>
public sealed class LinkService
{
    private readonly NetlinkConnection _connection;

    public LinkService(NetlinkConnection connection) => _connection = connection;

    /// <summary>The link called <paramref name="name"/>, or null when there is none (ENODEV).</summary>
    public LinkInfo? TryGetByName(string name)
    {
        try
        {
            lock (_connection.SyncRoot)
            {
                var request = LinkMessage.GetByName(_connection.RequestBuffer, name);
                return QuerySingle(ref request, "get link " + name);
            }
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENODEV)
        {
            return null;
        }
        catch (NetlinkException e) when (e.Errno == Errno.EINVAL)
        {
            // Kernels before 4.x cannot look a link up by name (agent.md §8.1): fall back to a full dump.
            foreach (var link in List())
                if (link.Name == name || link.AlternativeNames.Contains(name)) return link;
            return null;
        }
    }

    /// <summary>The link called <paramref name="name"/>; throws <see cref="NetlinkException"/> (ENODEV) when absent.</summary>
    public LinkInfo GetByName(string name) =>
        TryGetByName(name) ?? throw new NetlinkException("get link " + name, Errno.ENODEV);

    public LinkInfo? TryGetByIndex(int index)
    {
        try
        {
            lock (_connection.SyncRoot)
            {
                var request = LinkMessage.GetByIndex(_connection.RequestBuffer, index);
                return QuerySingle(ref request, "get link #" + index.ToString(CultureInfo.InvariantCulture));
            }
        }
        catch (NetlinkException e) when (e.Errno == Errno.ENODEV)
        {
            return null;
        }
    }

    public LinkInfo GetByIndex(int index) =>
        TryGetByIndex(index) ?? throw new NetlinkException("get link #" + index.ToString(CultureInfo.InvariantCulture), Errno.ENODEV);

    public DumpResult<LinkInfo> List()
    {
        lock (_connection.SyncRoot)
        {
            var request = LinkMessage.Dump(_connection.RequestBuffer);
            var replies = _connection.Query(ref request, "list links");
            var links = new List<LinkInfo>();
            try
            {
                while (replies.MoveNext())
                    if (replies.Current.Type == NetlinkConstants.RTM_NEWLINK) links.Add(LinkMessage.Decode(replies.Current));
                return new DumpResult<LinkInfo>(links, replies.Interrupted);
            }
            finally
            {
                replies.Dispose();
            }
        }
    }

    /// <summary>
    /// Creates a dummy link (agent.md §4.1). Kernels without the dummy driver answer EOPNOTSUPP, which surfaces as
    /// a <see cref="NetlinkException"/> saying so.
    /// </summary>
    public void CreateDummy(string name) => Create(name, "dummy");

    /// <summary>Creates a link of a kind that needs no extra data ("dummy", "bridge"...). EEXIST when taken.</summary>
    public void Create(string name, string kind)
    {
        lock (_connection.SyncRoot)
        {
            var request = LinkMessage.Create(_connection.RequestBuffer, name, kind);
            var result = _connection.ExecuteAck(ref request);
            if (!result.Succeeded)
                throw result.ToException(result.Errno == Errno.EOPNOTSUPP
                    ? $"create link {name} of kind '{kind}' (this kernel has no '{kind}' link type)"
                    : $"create link {name} of kind '{kind}'");
        }
    }

    public void CreateVeth(string name, string peerName)
    {
        lock (_connection.SyncRoot)
        {
            var request = LinkMessage.CreateVeth(_connection.RequestBuffer, name, peerName);
            var result = _connection.ExecuteAck(ref request);
            if (!result.Succeeded) throw result.ToException($"create veth pair {name}/{peerName}");
        }
    }

    /// <summary>Sets the link administratively up (IFF_UP in flags and change mask).</summary>
    public void SetUp(int index) => SetState(index, up: true);

    public void SetDown(int index) => SetState(index, up: false);

    private void SetState(int index, bool up)
    {
        lock (_connection.SyncRoot)
        {
            var request = LinkMessage.SetUp(_connection.RequestBuffer, index, up);
            var result = _connection.ExecuteAck(ref request);
            if (!result.Succeeded)
                throw result.ToException(string.Create(CultureInfo.InvariantCulture, $"set link #{index} {(up ? "up" : "down")}"));
        }
    }

    public void Delete(int index)
    {
        lock (_connection.SyncRoot)
        {
            var request = LinkMessage.Delete(_connection.RequestBuffer, index);
            var result = _connection.ExecuteAck(ref request);
            if (!result.Succeeded) throw result.ToException(string.Create(CultureInfo.InvariantCulture, $"delete link #{index}"));
        }
    }

    private LinkInfo? QuerySingle(ref Codec.NetlinkMessageWriter request, string operation)
    {
        var replies = _connection.Query(ref request, operation);
        LinkInfo? found = null;
        try
        {
            while (replies.MoveNext())
                if (replies.Current.Type == NetlinkConstants.RTM_NEWLINK) found ??= LinkMessage.Decode(replies.Current);
            return found;
        }
        finally
        {
            replies.Dispose();
        }
    }
}
