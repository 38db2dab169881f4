namespace Purelb.Ipam.External;

/// <summary>Why an external address source failed. The allocator maps each to an event reason.</summary>
public enum ExternalIpamErrorKind
{
    /// <summary>The credentials were refused (HTTP 401/403): missing, wrong, disabled, expired or read-only token.</summary>
    Unauthorized,
    /// <summary>The server sent a redirect, usually to a login page: the URL or token is wrong.</summary>
    Redirected,
    /// <summary>A configured object (prefix, tenant, address) does not exist (HTTP 404, or not found by lookup).</summary>
    NotFound,
    /// <summary>The pool has no free address (Netbox 409 "insufficient resources", gRPC ResourceExhausted).</summary>
    PoolExhausted,
    /// <summary>The wanted address is held by someone else (pinned claims, gRPC AlreadyExists).</summary>
    AddressInUse,
    /// <summary>Someone else changed the record first and retries ran out (HTTP 412).</summary>
    ConcurrentUpdate,
    /// <summary>The server rejected the request's content (HTTP 400, gRPC InvalidArgument).</summary>
    InvalidRequest,
    /// <summary>The source cannot serve this request as configured (gRPC FailedPrecondition, a family with no prefix).</summary>
    NotConfigured,
    /// <summary>The server failed (HTTP 5xx, unexpected gRPC codes).</summary>
    ServerError,
    /// <summary>No answer within the deadline. The request may or may not have been applied.</summary>
    Timeout,
    /// <summary>The server could not be reached (connection refused, DNS, socket missing, gRPC Unavailable).</summary>
    Unavailable,
    /// <summary>The TLS handshake failed (unknown CA, name mismatch).</summary>
    TlsFailure,
    /// <summary>The answer was not what the contract promises (non-JSON, HTML, unparseable address, too many addresses).</summary>
    InvalidResponse,
}
