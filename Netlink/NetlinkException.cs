using System.Globalization;
using Purelb.Netlink.Interop;

namespace Purelb.Netlink;

/// <summary>
/// The one error type at the netlink boundary: the kernel (or a syscall) refused an operation. Callers branch
/// on <see cref="Errno"/>, never on message text.
/// </summary>
public sealed class NetlinkException : Exception
{
    public NetlinkException(string operation, Errno errno, string? extAckMessage = null, int extAckOffset = -1, uint sequence = 0)
        : base(Compose(operation, errno, extAckMessage))
    {
        Operation = operation;
        Errno = errno;
        ExtAckMessage = extAckMessage;
        ExtAckOffset = extAckOffset;
        Sequence = sequence;
    }

    /// <summary>What we asked for, e.g. "add address 10.0.0.1/24 on ifindex 3".</summary>
    public string Operation { get; }

    public Errno Errno { get; }

    /// <summary>The kernel's extended-ACK text, when it sent one.</summary>
    public string? ExtAckMessage { get; }

    /// <summary>Byte offset into our request of the attribute the kernel blamed, or -1.</summary>
    public int ExtAckOffset { get; }

    public uint Sequence { get; }

    public bool IsNotFound => Errno is Errno.ENODEV or Errno.ENOENT or Errno.ESRCH or Errno.EADDRNOTAVAIL;

    public bool IsAlreadyExists => Errno == Errno.EEXIST;

    private static string Compose(string operation, Errno errno, string? extAck)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{operation} failed: {ErrnoText.Describe(errno)} ({errno}, errno {(int)errno})");
        return string.IsNullOrEmpty(extAck) ? text : text + ": " + extAck;
    }
}

/// <summary>A reply from the kernel (or a fuzzer) that does not parse: truncated, misaligned or lying lengths.</summary>
public sealed class NetlinkDecodeException : Exception
{
    public NetlinkDecodeException(string reason, int offset)
        : base(string.Create(CultureInfo.InvariantCulture, $"malformed netlink data at offset {offset}: {reason}"))
    {
        Reason = reason;
        Offset = offset;
    }

    public string Reason { get; }

    /// <summary>Offset of the faulty header or field, from the start of the received datagram.</summary>
    public int Offset { get; }
}
