using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using Purelb.Tests.Harness;

namespace Purelb.Bench.Lab;

/// <summary>One RTM_NEWADDR / RTM_DELADDR seen in a node's namespace, stamped when it arrived.</summary>
public readonly record struct AddressChange(long Timestamp, string Node, bool Removed, IPAddress Address, int InterfaceIndex);

/// <summary>
/// Records every address notification of several node namespaces with a <see cref="Stopwatch"/> timestamp taken the
/// moment its datagram is read, so a figure can be read back afterwards at sub-millisecond resolution without polling
/// the kernel. Each namespace has its own rtnetlink socket (RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR) and a dedicated
/// thread blocked in poll(2): the stamp waits neither for the thread pool (busy with the in-process API server) nor
/// for the product's own monitor, which is what is being measured.
/// </summary>
public sealed class AddressEventLog : IDisposable
{
    private const int AF_NETLINK = 16;
    private const int SOCK_RAW = 3;
    private const int NETLINK_ROUTE = 0;
    private const uint RTMGRP_IPV4_IFADDR = 0x10;
    private const uint RTMGRP_IPV6_IFADDR = 0x100;
    private const ushort RTM_NEWADDR = 20;
    private const ushort RTM_DELADDR = 21;
    private const ushort IFA_ADDRESS = 1;
    private const ushort IFA_LOCAL = 2;

    private readonly List<(int Fd, Thread Reader)> _nodes = [];
    private readonly List<AddressChange> _changes = [];
    private readonly object _gate = new();
    private volatile bool _stopping;

    public AddressEventLog(IEnumerable<(string Node, string Namespace)> nodes)
    {
        try
        {
            foreach (var (node, ns) in nodes)
            {
                int fd = NamespaceSockets.InNamespace(ns, OpenSubscribed);
                var reader = new Thread(() => Read(node, fd)) { IsBackground = true, Name = "bench netlink " + node };
                _nodes.Add((fd, reader));
                reader.Start();
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private static unsafe int OpenSubscribed()
    {
        int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
        if (fd < 0) throw new InvalidOperationException($"netlink socket: errno {Marshal.GetLastPInvokeError()}");
        int size = 4 << 20;
        setsockopt(fd, 1 /* SOL_SOCKET */, 8 /* SO_RCVBUF */, &size, sizeof(int));
        var addr = new SockaddrNl { Family = AF_NETLINK, Groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR };
        if (bind(fd, &addr, (uint)sizeof(SockaddrNl)) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            close(fd);
            throw new InvalidOperationException($"netlink bind: errno {errno}");
        }
        return fd;
    }

    private unsafe void Read(string node, int fd)
    {
        var buffer = new byte[256 * 1024];
        while (!_stopping)
        {
            var pfd = new PollFd { Fd = fd, Events = 1 /* POLLIN */ };
            if (poll(&pfd, 1, 100) <= 0) continue;
            nint n;
            fixed (byte* p = buffer) n = recv(fd, p, (nuint)buffer.Length, 0x40 /* MSG_DONTWAIT */);
            var now = Stopwatch.GetTimestamp();
            if (n <= 0) continue; // ENOBUFS would lose events; the 4 MiB buffer and this thread keep up with the lab
            Parse(node, buffer.AsSpan(0, (int)n), now);
        }
    }

    private void Parse(string node, ReadOnlySpan<byte> datagram, long now)
    {
        while (datagram.Length >= 16)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(datagram);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(datagram[4..]);
            if (length < 16 || length > datagram.Length) return;
            var message = datagram[16..length];
            if (type is RTM_NEWADDR or RTM_DELADDR && message.Length >= 8)
            {
                byte family = message[0];
                int index = (int)BinaryPrimitives.ReadUInt32LittleEndian(message[4..]);
                IPAddress? local = null, address = null;
                var attrs = message[8..];
                while (attrs.Length >= 4)
                {
                    int alen = BinaryPrimitives.ReadUInt16LittleEndian(attrs);
                    ushort atype = BinaryPrimitives.ReadUInt16LittleEndian(attrs[2..]);
                    if (alen < 4 || alen > attrs.Length) break;
                    var value = attrs[4..alen];
                    if ((family == 2 && value.Length == 4) || (family == 10 && value.Length == 16))
                    {
                        if (atype == IFA_LOCAL) local = new IPAddress(value);
                        else if (atype == IFA_ADDRESS) address = new IPAddress(value);
                    }
                    int aligned = (alen + 3) & ~3;
                    if (aligned >= attrs.Length) break;
                    attrs = attrs[aligned..];
                }
                if ((local ?? address) is { } ip)
                {
                    lock (_gate) _changes.Add(new AddressChange(now, node, type == RTM_DELADDR, ip, index));
                }
            }
            int next = (length + 3) & ~3;
            if (next >= datagram.Length) return;
            datagram = datagram[next..];
        }
    }

    /// <summary>The first change after <paramref name="since"/> that matches, waiting for it up to <paramref name="timeout"/>.</summary>
    public async Task<AddressChange> WaitAsync(Func<AddressChange, bool> match, long since, TimeSpan timeout, CancellationToken ct, string what)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            lock (_gate)
            {
                foreach (var c in _changes)
                    if (c.Timestamp >= since && match(c)) return c;
            }
            if (clock.Elapsed > timeout) throw new TimeoutException($"no netlink notification for {what} within {timeout.TotalSeconds:0.#} s");
            await Task.Delay(2, ct);
        }
    }

    public Task<AddressChange> AddedAsync(IPAddress ip, long since, TimeSpan timeout, CancellationToken ct, Func<string, bool>? node = null) =>
        WaitAsync(c => !c.Removed && c.Address.Equals(ip) && (node is null || node(c.Node)), since, timeout, ct, $"{ip} added");

    public Task<AddressChange> RemovedAsync(IPAddress ip, long since, TimeSpan timeout, CancellationToken ct, Func<string, bool>? node = null) =>
        WaitAsync(c => c.Removed && c.Address.Equals(ip) && (node is null || node(c.Node)), since, timeout, ct, $"{ip} removed");

    /// <summary>Forgets what is older than <paramref name="before"/>, so scans stay short over many trials.</summary>
    public void Trim(long before)
    {
        lock (_gate) _changes.RemoveAll(c => c.Timestamp < before);
    }

    public void Dispose()
    {
        _stopping = true;
        foreach (var (fd, reader) in _nodes)
        {
            reader.Join(TimeSpan.FromSeconds(2));
            close(fd);
        }
        _nodes.Clear();
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int socket(int domain, int type, int protocol);

    [DllImport("libc", SetLastError = true)]
    private static extern unsafe int bind(int fd, SockaddrNl* addr, uint length);

    [DllImport("libc", SetLastError = true)]
    private static extern unsafe int setsockopt(int fd, int level, int name, void* value, uint length);

    [DllImport("libc", SetLastError = true)]
    private static extern unsafe int poll(PollFd* fds, nuint count, int timeout);

    [DllImport("libc", SetLastError = true)]
    private static extern unsafe nint recv(int fd, byte* buffer, nuint length, int flags);

    [DllImport("libc")]
    private static extern int close(int fd);
}
