using Grpc.Core;

namespace Purelb.Bgp;

/// <summary>What went wrong talking to gobgpd, sorted so callers can decide between retrying and reporting.</summary>
public enum BgpError
{
    /// <summary>The daemon cannot be reached (no socket, connection refused or reset, daemon restarting).</summary>
    Unavailable,
    /// <summary>gobgpd runs but BGP is not started yet (k8gobgp has not sent StartBgp): wait and retry.</summary>
    NotStarted,
    /// <summary>The daemon does not speak this API generation (or this RPC).</summary>
    Unimplemented,
    /// <summary>gobgpd refused the request (its errors come back as status Unknown with a message).</summary>
    Rejected,
    InvalidArgument,
    NotFound,
    AlreadyExists,
    PermissionDenied,
    DeadlineExceeded,
    Cancelled,
    Internal,
    Other,
}

/// <summary>The one exception type at the Bgp boundary; <see cref="Error"/> is what to branch on.</summary>
public sealed class BgpException : Exception
{
    public BgpException(BgpError error, string message, Exception? inner = null) : base(message, inner) => Error = error;

    public BgpError Error { get; }

    /// <summary>Errors that go away by themselves once the daemon is back or BGP is started.</summary>
    public bool IsTransient => Error is BgpError.Unavailable or BgpError.NotStarted or BgpError.DeadlineExceeded;

    internal static BgpException From(RpcException e, string operation) =>
        new(Classify(e.StatusCode, e.Status.Detail), $"{operation}: {e.StatusCode}: {e.Status.Detail}", e);

    internal static BgpError Classify(StatusCode code, string? detail) => code switch
    {
        StatusCode.Unavailable => BgpError.Unavailable,
        StatusCode.Unimplemented => BgpError.Unimplemented,
        // gobgpd returns plain Go errors, which gRPC reports as Unknown; the one that means "come back
        // later" is recognisable only by its text.
        StatusCode.Unknown when detail is not null && detail.Contains("hasn't started", StringComparison.Ordinal) => BgpError.NotStarted,
        StatusCode.Unknown => BgpError.Rejected,
        StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.OutOfRange => BgpError.InvalidArgument,
        StatusCode.NotFound => BgpError.NotFound,
        StatusCode.AlreadyExists => BgpError.AlreadyExists,
        StatusCode.PermissionDenied or StatusCode.Unauthenticated => BgpError.PermissionDenied,
        StatusCode.DeadlineExceeded => BgpError.DeadlineExceeded,
        StatusCode.Cancelled => BgpError.Cancelled,
        StatusCode.Internal or StatusCode.DataLoss => BgpError.Internal,
        _ => BgpError.Other,
    };
}
