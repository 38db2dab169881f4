using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Purelb.Tests.Harness;

/// <summary>
/// Sockets created inside another network namespace. A socket keeps the namespace it was created in,
/// so a dedicated thread joins the namespace, creates the socket and exits; the test process can then
/// serve or connect "from" a node without any address in the root namespace.
/// </summary>
public static class NamespaceSockets
{
    private const int CLONE_NEWNET = 0x40000000;

    [DllImport("libc", SetLastError = true)]
    private static extern int setns(int fd, int nstype);

    public static T InNamespace<T>(string ns, Func<T> action)
    {
        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                // Only this short-lived thread switches; the namespace dies with the thread, the socket keeps it.
                using var handle = File.OpenHandle($"/var/run/netns/{ns}");
                if (setns((int)handle.DangerousGetHandle(), CLONE_NEWNET) != 0)
                    throw new InvalidOperationException($"setns({ns}) failed: errno {Marshal.GetLastPInvokeError()}");
                result = action();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        if (failure is not null) throw new InvalidOperationException($"in namespace {ns}: {failure.Message}", failure);
        return result!;
    }

    /// <summary>A listening TCP socket bound inside the namespace.</summary>
    public static Socket Listen(string ns, IPEndPoint endPoint) => InNamespace(ns, () =>
    {
        var s = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        s.Bind(endPoint);
        s.Listen(512);
        return s;
    });

    /// <summary>An HttpClient handler whose connections start inside the namespace.</summary>
    public static SocketsHttpHandler HttpHandler(string ns) => new()
    {
        ConnectCallback = async (context, ct) =>
        {
            var socket = InNamespace(ns, () => new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
