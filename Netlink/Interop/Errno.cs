namespace Purelb.Netlink.Interop;

/// <summary>Linux errno values (generic ABI, x64 and arm64) that the netlink layer names.</summary>
public enum Errno
{
    None = 0,
    EPERM = 1,
    ENOENT = 2,
    ESRCH = 3,
    EINTR = 4,
    EIO = 5,
    EBADF = 9,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EFAULT = 14,
    EBUSY = 16,
    EEXIST = 17,
    ENODEV = 19,
    EINVAL = 22,
    ENFILE = 23,
    EMFILE = 24,
    ENOSPC = 28,
    ERANGE = 34,
    EMSGSIZE = 90,
    EPROTONOSUPPORT = 93,
    EOPNOTSUPP = 95,
    EAFNOSUPPORT = 97,
    EADDRINUSE = 98,
    EADDRNOTAVAIL = 99,
    ENETDOWN = 100,
    ENETUNREACH = 101,
    ENOBUFS = 105,
    ETIMEDOUT = 110,
}

/// <summary>Clear, operator-facing text for the errnos netlink operations return.</summary>
public static class ErrnoText
{
    public static string Describe(Errno errno) => errno switch
    {
        Errno.None => "success",
        Errno.EPERM => "operation not permitted: needs CAP_NET_ADMIN (or CAP_NET_RAW for raw packets)",
        Errno.EACCES => "permission denied: needs CAP_NET_ADMIN",
        Errno.ENOENT => "object not found",
        Errno.ESRCH => "no such object",
        Errno.EEXIST => "already exists",
        Errno.ENODEV => "no such network interface (link not found)",
        Errno.EINVAL => "invalid argument (the kernel rejected the request)",
        Errno.EOPNOTSUPP => "operation or link type not supported by this kernel",
        Errno.EAFNOSUPPORT => "address family not supported",
        Errno.EADDRNOTAVAIL => "address not assigned to this interface",
        Errno.EADDRINUSE => "address already in use",
        Errno.ENOBUFS => "receive buffer overrun: notifications were lost, a full resync is needed",
        Errno.ENOMEM => "kernel out of memory",
        Errno.EBUSY => "device or resource busy",
        Errno.ENETDOWN => "network is down",
        Errno.ENETUNREACH => "network unreachable",
        Errno.ERANGE => "value out of range",
        Errno.EMSGSIZE => "message too long",
        Errno.ETIMEDOUT => "timed out waiting for the kernel's reply",
        Errno.EAGAIN => "timed out waiting for the kernel's reply",
        Errno.EBADF => "socket already closed",
        Errno.EMFILE or Errno.ENFILE => "too many open files",
        Errno.EPROTONOSUPPORT => "protocol not supported",
        _ => "errno " + ((int)errno).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
