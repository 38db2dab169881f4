using System.Runtime.ExceptionServices;
using System.Text;
using Purelb.Netlink.Interop;
using static Purelb.Netlink.Interop.SocketConstants;

namespace Purelb.Netlink;

/// <summary>
/// A named network namespace (/var/run/netns/&lt;name&gt;, as `ip netns add` creates). Sockets keep the namespace
/// they were created in, so <see cref="Run{T}"/> creates them on a dedicated thread that enters the namespace and
/// returns to its own before it ends; the calling thread and the thread pool never change namespace. This lets
/// one process drive several "nodes".
/// </summary>
public sealed unsafe class NetworkNamespace : IDisposable
{
    private const string Directory = "/var/run/netns/";
    private readonly FileDescriptorHandle _handle;

    private NetworkNamespace(string name, FileDescriptorHandle handle)
    {
        Name = name;
        _handle = handle;
    }

    public string Name { get; }

    public static NetworkNamespace Open(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('/') || name is "." or "..")
            throw new ArgumentException($"'{name}' is not a network namespace name", nameof(name));
        return new NetworkNamespace(name, OpenPath(Directory + name, "open network namespace " + name));
    }

    /// <summary>Runs <paramref name="action"/> on a fresh thread inside this namespace and returns its result.</summary>
    public T Run<T>(Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = RunInside(action);
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "netns " + Name,
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    private T RunInside<T>(Func<T> action)
    {
        using var home = OpenPath("/proc/thread-self/ns/net", "open this thread's network namespace");
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            if (Libc.SetNs(_handle.Fd, CLONE_NEWNET) != 0)
                throw new NetlinkException("enter network namespace " + Name, Syscall.LastErrno());
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
        try
        {
            return action();
        }
        finally
        {
            // The thread ends right after, so a failed return strands nothing; go back anyway so that anything
            // the runtime still does on this thread happens in the process's own namespace.
            Libc.SetNs(home.Fd, CLONE_NEWNET);
        }
    }

    private static FileDescriptorHandle OpenPath(string path, string operation)
    {
        int length = Encoding.UTF8.GetByteCount(path);
        Span<byte> bytes = stackalloc byte[length + 1];
        Encoding.UTF8.GetBytes(path, bytes);
        bytes[length] = 0;
        fixed (byte* p = bytes)
        {
            int fd = Libc.Open(p, O_RDONLY | O_CLOEXEC);
            if (fd < 0) throw new NetlinkException(operation, Syscall.LastErrno());
            return new FileDescriptorHandle(fd);
        }
    }

    public void Dispose() => _handle.Dispose();
}
