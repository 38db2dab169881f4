using System.Net;
using System.Net.Sockets;

namespace Purelb.Kube;

/// <summary>Sorts API failures into <see cref="ApiErrorKind"/>. This is the only place that looks at HTTP status
/// codes, Status reasons or socket errors; everything else asks these predicates.</summary>
public static class ApiError
{
    public static ApiErrorKind Classify(Exception error)
    {
        switch (error)
        {
            case KubeApiException api:
                return ClassifyStatus(api.StatusCode, api.Reason);
            case HttpRequestException http when http.StatusCode is { } code:
                return ClassifyStatus(code, null);
            case HttpRequestException:
                // Connection refused/reset, DNS failure, TLS handshake cut short: the server is away.
                return ApiErrorKind.Transient;
            case SocketException:
            case IOException:
                // A watch or response body cut mid-stream.
                return ApiErrorKind.Transient;
            case TimeoutException:
            case TaskCanceledException { InnerException: TimeoutException }:
                return ApiErrorKind.Transient;
            default:
                return ApiErrorKind.Unknown;
        }
    }

    public static ApiErrorKind ClassifyStatus(HttpStatusCode code, string? reason)
    {
        switch ((int)code)
        {
            case 410:
                return ApiErrorKind.Expired;
            case 409:
                return reason == "AlreadyExists" ? ApiErrorKind.AlreadyExists : ApiErrorKind.Conflict;
            case 404:
                return ApiErrorKind.NotFound;
            case 429:
                return ApiErrorKind.Transient;
            case 401:
            case 403:
                return ApiErrorKind.Forbidden;
            case 408:
                return ApiErrorKind.Transient;
            case >= 500:
                // A 500 carrying reason Expired happens when an etcd compaction races a watch start.
                return reason == "Expired" ? ApiErrorKind.Expired : ApiErrorKind.Transient;
            case >= 400:
                return reason is "Expired" or "Gone" ? ApiErrorKind.Expired : ApiErrorKind.Invalid;
            default:
                return ApiErrorKind.Unknown;
        }
    }

    /// <summary>The resourceVersion is too old: throw the cache away and list again.</summary>
    public static bool IsExpired(Exception e) => Classify(e) == ApiErrorKind.Expired;

    /// <summary>Optimistic-concurrency failure: re-read the object, re-apply the change and try again.</summary>
    public static bool IsConflict(Exception e) => Classify(e) == ApiErrorKind.Conflict;

    public static bool IsNotFound(Exception e) => Classify(e) == ApiErrorKind.NotFound;

    public static bool IsAlreadyExists(Exception e) => Classify(e) == ApiErrorKind.AlreadyExists;

    /// <summary>Retrying the same request later can succeed (busy, unreachable, unknown): back off, do not relist.</summary>
    public static bool ShouldBackOff(Exception e) => Classify(e) is ApiErrorKind.Transient or ApiErrorKind.Forbidden or ApiErrorKind.Unknown;
}
