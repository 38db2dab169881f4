using System.Net;
using Purelb.Netlink;
using Purelb.Tests.Netlink;

namespace Purelb.Tests.Agent;

/// <summary>Captures on a lab interface and reads the gratuitous ARP / unsolicited NA frames the agents send.</summary>
internal static class Frames
{
    public static PacketCapture Capture(string ns, string device)
    {
        using var handle = NetworkNamespace.Open(ns);
        using var rt = RtNetlink.Open(handle);
        return new PacketCapture(handle, rt.Links.GetByName(device).Index);
    }

    /// <summary>Starts receiving in the background until <paramref name="enough"/> holds or the timeout passes.</summary>
    public static Task<List<byte[]>> ReceiveAsync(PacketCapture capture, double seconds, Func<List<byte[]>, bool> enough) =>
        Task.Run(() => capture.Receive(TimeSpan.FromSeconds(seconds), enough));

    public static bool IsArp(byte[] f) => f.Length >= 42 && f[12] == 0x08 && f[13] == 0x06;

    public static IPAddress ArpSender(byte[] f) => new(f.AsSpan(28, 4));

    public static bool IsGarpFor(byte[] f, IPAddress ip) => IsArp(f) && ArpSender(f).Equals(ip) && new IPAddress(f.AsSpan(38, 4)).Equals(ip);

    public static bool IsNeighborAdvertisement(byte[] f) => f.Length >= 78 && f[12] == 0x86 && f[13] == 0xdd && f[20] == 58 && f[54] == 136;

    public static IPAddress NaTarget(byte[] f) => new(f.AsSpan(62, 16));

    public static bool IsNaFor(byte[] f, IPAddress ip) => IsNeighborAdvertisement(f) && NaTarget(f).Equals(ip);

    /// <summary>Ethernet source address as `ip link` prints it.</summary>
    public static string SourceMac(byte[] f) => string.Join(':', f.AsSpan(6, 6).ToArray().Select(b => b.ToString("x2")));
}
