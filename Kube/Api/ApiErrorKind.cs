namespace Purelb.Kube;

/// <summary>What a failed API call means for the caller. Every API failure is sorted into exactly one kind by
/// <see cref="ApiError.Classify"/>, so retry policy is decided in one place.</summary>
public enum ApiErrorKind
{
    /// <summary>Not an API failure we recognise (a bug, bad JSON, …). Log it and back off.</summary>
    Unknown = 0,
    /// <summary>410 Gone / reason Expired: the resourceVersion we asked for was compacted. Relist.</summary>
    Expired,
    /// <summary>409 Conflict on update: our copy is stale. Re-read, re-apply, retry.</summary>
    Conflict,
    /// <summary>409 with reason AlreadyExists on create.</summary>
    AlreadyExists,
    /// <summary>404: the object (or a precondition target) is gone.</summary>
    NotFound,
    /// <summary>429, 5xx, timeouts and connection failures: the server is busy or away. Back off, do not relist.</summary>
    Transient,
    /// <summary>401/403: retrying soon will not help, but credentials or RBAC can change; back off long.</summary>
    Forbidden,
    /// <summary>400/422 and other 4xx: the request itself is wrong. Do not retry the same request.</summary>
    Invalid,
}
