namespace Purelb.Netlink.Codec;

/// <summary>
/// What a non-throwing decode found wrong: the same reason and datagram offset that
/// <see cref="NetlinkDecodeException"/> carries. Throwing costs tens of microseconds, so bulk consumers (the
/// fuzzer, a monitor under a flood of garbage) use the Try forms; the public Decode forms throw.
/// </summary>
public readonly record struct DecodeError(string? Reason, int Offset)
{
    public bool IsError => Reason is not null;

    public NetlinkDecodeException ToException() => new(Reason ?? "unknown decode error", Offset);

    /// <summary>Throws when <paramref name="throwOnError"/>, otherwise records the first error and returns false.</summary>
    internal static bool Fail(ref DecodeError error, string reason, int offset, bool throwOnError)
    {
        if (throwOnError) throw new NetlinkDecodeException(reason, offset);
        if (!error.IsError) error = new DecodeError(reason, offset);
        return false;
    }
}
