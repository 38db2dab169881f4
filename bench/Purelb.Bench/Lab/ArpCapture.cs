using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using Purelb.Tests.Harness;

namespace Purelb.Bench.Lab;

/// <summary>An ARP frame seen on the LAN: who sent it (Ethernet source) and the sender/target protocol addresses.</summary>
public readonly record struct ArpFrame(long Timestamp, string SourceMac, IPAddress Sender, IPAddress Target)
{
    /// <summary>Gratuitous: the sender announces its own address (sender = target), as request or reply.</summary>
    public bool IsGratuitous => Sender.Equals(Target);
}

/// <summary>
/// Every ARP frame crossing the LAN namespace (the bridge and its ports), read from an AF_PACKET socket created in
/// that namespace by a dedicated thread that stamps each frame on arrival. A frame crosses several ports; callers
/// ask for the first after a moment, so the duplicates do not matter.
/// </summary>
public sealed class ArpCapture : IDisposable
{
    private const int AF_PACKET = 17;
    private const int SOCK_RAW = 3;
    private const ushort ETH_P_ARP = 0x0806;
    private const short POLLIN = 1;

    private readonly int _fd;
    private readonly Thread _reader;
    private readonly List<ArpFrame> _frames = [];
    private readonly object _gate = new();
    private volatile bool _stopping;

    public ArpCapture(string lanNamespace)
    {
        _fd = NamespaceSockets.InNamespace(lanNamespace, () =>
        {
            int fd = socket(AF_PACKET, SOCK_RAW, (int)(ushort)IPAddress.HostToNetworkOrder((short)ETH_P_ARP));
            if (fd < 0) throw new InvalidOperationException($"AF_PACKET socket: errno {Marshal.GetLastPInvokeError()}");
            return fd;
        });
        _reader = new Thread(Read) { IsBackground = true, Name = "bench arp capture" };
        _reader.Start();
    }

    private unsafe void Read()
    {
        var buffer = new byte[2048];
        while (!_stopping)
        {
            var pfd = new PollFd { Fd = _fd, Events = POLLIN };
            if (poll(&pfd, 1, 100) <= 0) continue;
            nint n;
            fixed (byte* p = buffer) n = recv(_fd, p, (nuint)buffer.Length, 0x40 /* MSG_DONTWAIT */);
            var now = Stopwatch.GetTimestamp();
            if (n < 42 || buffer[12] != 0x08 || buffer[13] != 0x06) continue;
            var frame = new ArpFrame(now, Convert.ToHexString(buffer, 6, 6), new IPAddress(buffer.AsSpan(28, 4)), new IPAddress(buffer.AsSpan(38, 4)));
            lock (_gate) _frames.Add(frame);
        }
    }

    /// <summary>The first gratuitous ARP for <paramref name="ip"/> from <paramref name="mac"/> after <paramref name="since"/>.</summary>
    public async Task<ArpFrame> GratuitousAsync(IPAddress ip, string mac, long since, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            lock (_gate)
            {
                foreach (var f in _frames)
                    if (f.Timestamp >= since && f.IsGratuitous && f.Sender.Equals(ip) && f.SourceMac == mac) return f;
            }
            if (clock.Elapsed > timeout) throw new TimeoutException($"no gratuitous ARP for {ip} from {mac} within {timeout.TotalSeconds:0.#} s");
            await Task.Delay(2, ct);
        }
    }

    public void Trim(long before)
    {
        lock (_gate) _frames.RemoveAll(f => f.Timestamp < before);
    }

    public void Dispose()
    {
        _stopping = true;
        _reader.Join(TimeSpan.FromSeconds(2));
        close(_fd);
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
    private static extern unsafe int poll(PollFd* fds, nuint count, int timeout);

    [DllImport("libc", SetLastError = true)]
    private static extern unsafe nint recv(int fd, byte* buffer, nuint length, int flags);

    [DllImport("libc")]
    private static extern int close(int fd);
}
