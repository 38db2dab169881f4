namespace Purelb.Ipam.External;

/// <summary>The one exception type external address sources throw.</summary>
public sealed class ExternalIpamException : Exception
{
    public ExternalIpamException(ExternalIpamErrorKind kind, string message, int? httpStatus = null, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
        HttpStatus = httpStatus;
    }

    public ExternalIpamErrorKind Kind { get; }

    /// <summary>The HTTP status that caused the error, when there was one.</summary>
    public int? HttpStatus { get; }

    /// <summary>
    /// True when the same call may succeed later without a configuration change. Every kind is
    /// retried with backoff by the allocator; this only tells it how loudly to complain.
    /// </summary>
    public bool IsTransient => Kind is ExternalIpamErrorKind.ServerError or ExternalIpamErrorKind.Timeout
        or ExternalIpamErrorKind.Unavailable or ExternalIpamErrorKind.ConcurrentUpdate
        or ExternalIpamErrorKind.PoolExhausted;
}
