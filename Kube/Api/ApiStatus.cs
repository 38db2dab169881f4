using System.Text.Json.Serialization;

namespace Purelb.Kube;

/// <summary>The fields of a metav1.Status we act on. Our own type because the client library's V1Status carries a
/// converter that cannot be used for both directions.</summary>
public sealed class ApiStatus
{
    [JsonPropertyName("status")] public string? Status { get; set; }
    [JsonPropertyName("message")] public string? Message { get; set; }
    [JsonPropertyName("reason")] public string? Reason { get; set; }
    [JsonPropertyName("code")] public int Code { get; set; }
    [JsonPropertyName("details")] public ApiStatusDetails? Details { get; set; }
}

public sealed class ApiStatusDetails
{
    [JsonPropertyName("retryAfterSeconds")] public int? RetryAfterSeconds { get; set; }
}
