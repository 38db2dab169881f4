using System.Net;

namespace Purelb.Kube;

/// <summary>The one exception type for a Kubernetes API call that got an answer other than success: a non-2xx
/// response or an ERROR event on a watch. Carries the HTTP status and the Status object's reason and message.</summary>
public sealed class KubeApiException : Exception
{
    public KubeApiException(HttpStatusCode statusCode, string? reason, string message, string? verb = null, string? path = null)
        : base(FormatMessage(statusCode, reason, message, verb, path))
    {
        StatusCode = statusCode;
        Reason = reason ?? "";
        ServerMessage = message;
        Verb = verb;
        Path = path;
    }

    public HttpStatusCode StatusCode { get; }
    /// <summary>metav1.Status reason (e.g. "Conflict", "Expired", "AlreadyExists"); "" when the server sent none.</summary>
    public string Reason { get; }
    public string ServerMessage { get; }
    public string? Verb { get; }
    public string? Path { get; }

    /// <summary>Seconds the server asked us to wait (Retry-After or Status details), when it said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public ApiErrorKind Kind => ApiError.Classify(this);

    private static string FormatMessage(HttpStatusCode code, string? reason, string message, string? verb, string? path)
    {
        var where = verb is null ? "" : $"{verb} {path}: ";
        return $"{where}{(int)code} {reason}: {message}";
    }
}
