using System.Threading.Channels;
using Purelb.Netlink.Codec;
using Purelb.Netlink.Interop;
using Purelb.Netlink.Route;
using static Purelb.Netlink.Interop.NetlinkConstants;
using static Purelb.Netlink.Interop.SocketConstants;

namespace Purelb.Netlink;

/// <summary>
/// Subscribes to RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV6_IFADDR and publishes typed events on
/// <see cref="Events"/>. The subscription starts at <see cref="Open"/>, reading at <see cref="Start"/>, so a caller can
/// subscribe, dump the current state, then start: nothing that changes in between is missed. Overruns (ENOBUFS),
/// undecodable notifications and a full event queue all become one <see cref="ResyncNeeded"/>.
/// </summary>
public sealed unsafe class NetlinkMonitor : IDisposable
{
    private const int QueueCapacity = 4096;

    private readonly NetlinkSocket _socket;
    private readonly FileDescriptorHandle _wake;
    private readonly Channel<NetlinkEvent> _channel;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private Thread? _thread;
    private volatile bool _stopping;
    private bool _lostEvents;
    private int _disposed;

    private NetlinkMonitor(NetlinkSocket socket, FileDescriptorHandle wake)
    {
        _socket = socket;
        _wake = wake;
        _channel = Channel.CreateBounded<NetlinkEvent>(new BoundedChannelOptions(QueueCapacity)
        {
            SingleReader = false,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <param name="receiveBufferBytes">SO_RCVBUF for the notification socket (0 keeps the default; tests shrink it).</param>
    public static NetlinkMonitor Open(NetworkNamespace? networkNamespace = null, int receiveBufferBytes = 1024 * 1024)
    {
        NetlinkSocket Create()
        {
            var socket = NetlinkSocket.Open(receiveTimeout: null, receiveBufferBytes);
            try
            {
                socket.JoinGroup(RTNLGRP_LINK);
                socket.JoinGroup(RTNLGRP_IPV4_IFADDR);
                socket.JoinGroup(RTNLGRP_IPV6_IFADDR);
                return socket;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        var socket = networkNamespace is null ? Create() : networkNamespace.Run(Create);
        int wake = Libc.EventFd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (wake < 0)
        {
            var errno = Syscall.LastErrno();
            socket.Dispose();
            throw new NetlinkException("create eventfd for the netlink monitor", errno);
        }
        return new NetlinkMonitor(socket, new FileDescriptorHandle(wake));
    }

    /// <summary>Events in kernel order. Completes when the monitor is disposed.</summary>
    public ChannelReader<NetlinkEvent> Events => _channel.Reader;

    /// <summary>Starts the reader thread; notifications queued since <see cref="Open"/> are delivered first.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_thread is not null) throw new InvalidOperationException("the monitor is already started");
        _thread = new Thread(ReadLoop) { IsBackground = true, Name = "netlink monitor" };
        _thread.Start();
    }

    private void ReadLoop()
    {
        try
        {
            while (!_stopping)
            {
                if (!WaitReadable()) break;
                var errno = _socket.Receive(_buffer, out int length, dontWait: true);
                switch (errno)
                {
                    case Errno.None:
                        Dispatch(_buffer.AsSpan(0, length));
                        break;
                    case Errno.EAGAIN:
                        break;
                    case Errno.ENOBUFS:
                        Publish(new ResyncNeeded("netlink receive buffer overrun (ENOBUFS): notifications were lost"));
                        break;
                    case Errno.EMSGSIZE:
                        Publish(new ResyncNeeded("a notification was larger than the receive buffer and was truncated"));
                        break;
                    default:
                        throw new NetlinkException("receive netlink notifications", errno);
                }
            }
            _channel.Writer.TryComplete();
        }
        catch (Exception e)
        {
            _channel.Writer.TryComplete(e);
        }
    }

    private bool WaitReadable()
    {
        var fds = stackalloc PollFd[2];
        fds[0] = new PollFd { fd = _socket.Handle.Fd, events = POLLIN };
        fds[1] = new PollFd { fd = _wake.Fd, events = POLLIN };
        while (true)
        {
            int ready = Libc.Poll(fds, 2, -1);
            if (ready < 0)
            {
                var errno = Syscall.LastErrno();
                if (errno == Errno.EINTR) continue;
                throw new NetlinkException("poll netlink monitor socket", errno);
            }
            return fds[1].revents == 0 && !_stopping;
        }
    }

    private void Dispatch(ReadOnlySpan<byte> datagram)
    {
        // Non-throwing decoding: a flood of garbage must not cost an exception per message.
        var reader = new NetlinkMessageReader(datagram, throwOnError: false);
        DecodeError error = default;
        while (reader.MoveNext())
        {
            var message = reader.Current;
            switch (message.Type)
            {
                case RTM_NEWLINK or RTM_DELLINK:
                    if (LinkMessage.TryDecode(message, out var link, out error)) Publish(new LinkEvent(message.Type == RTM_DELLINK, link));
                    break;
                case RTM_NEWADDR or RTM_DELADDR:
                    if (AddressMessage.TryDecode(message, out var address, out error)) Publish(new AddressEvent(message.Type == RTM_DELADDR, address));
                    break;
            }
            if (error.IsError) break;
        }
        if (!error.IsError) error = reader.Error;
        if (error.IsError) Publish(new ResyncNeeded("undecodable notification: " + error.ToException().Message));
    }

    private void Publish(NetlinkEvent e)
    {
        if (_lostEvents)
        {
            if (!_channel.Writer.TryWrite(new ResyncNeeded("the event queue was full: events were dropped"))) return;
            _lostEvents = false;
        }
        if (!_channel.Writer.TryWrite(e)) _lostEvents = true;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _stopping = true;
        ulong one = 1;
        bool added = false;
        try
        {
            _wake.DangerousAddRef(ref added);
            Libc.Write(_wake.Fd, &one, sizeof(ulong));
        }
        finally
        {
            if (added) _wake.DangerousRelease();
        }
        _thread?.Join();
        _channel.Writer.TryComplete();
        _socket.Dispose();
        _wake.Dispose();
    }
}
