using System.Net;
using System.Net.Sockets;

namespace Purelb.Tests.Harness;

/// <summary>
/// Makes a loopback TCP service of the test process reachable at an address inside a namespace: a listening
/// socket created in the namespace, each accepted connection piped to the target. Lets processes in node
/// namespaces reach the in-process API server "on the control plane", and lose it when their link goes down.
/// </summary>
public sealed class NamespaceTcpProxy : IDisposable
{
    private readonly Socket _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _open = [];

    public NamespaceTcpProxy(string ns, IPEndPoint listen, IPEndPoint target)
    {
        _listener = NamespaceSockets.Listen(ns, listen);
        _target = target;
        _ = AcceptLoopAsync();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            _ = PipeAsync(client);
        }
    }

    private async Task PipeAsync(Socket client)
    {
        var upstream = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        lock (_open) _open.AddRange([client, upstream]);
        try
        {
            await upstream.ConnectAsync(_target, _stop.Token);
            using var a = new NetworkStream(client, ownsSocket: true);
            using var b = new NetworkStream(upstream, ownsSocket: true);
            using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var one = a.CopyToAsync(b, done.Token);
            var other = b.CopyToAsync(a, done.Token);
            await Task.WhenAny(one, other);
            done.Cancel();
        }
        catch (Exception)
        {
        }
        finally
        {
            client.Dispose();
            upstream.Dispose();
            lock (_open)
            {
                _open.Remove(client);
                _open.Remove(upstream);
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Dispose();
        lock (_open)
        {
            foreach (var s in _open) s.Dispose();
            _open.Clear();
        }
    }
}
