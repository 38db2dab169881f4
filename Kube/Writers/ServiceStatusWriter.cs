using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Purelb.Kube;

/// <summary>
/// Writes what purelb owns on a Service: <c>.status</c> through the status subresource, annotations through a merge
/// patch, and (for the rare spec change) a full update. Each write that meets 409 Conflict re-reads the Service
/// and tries again, up to <see cref="MaxAttempts"/>; other failures are thrown for the caller's retry policy.
/// The object passed in is never modified: it is usually the informer's shared copy.
/// </summary>
public sealed class ServiceStatusWriter(KubeApiClient api, ILogger? log = null)
{
    private static readonly KubeResource<V1Service, V1ServiceList> Services = KubeResources.Services;
    private static KubeModelJsonContext Json => KubeModelJsonContext.Default;
    private readonly ILogger _log = log ?? NullLogger.Instance;

    public int MaxAttempts { get; init; } = 5;

    /// <summary>Makes the Service's status equal <paramref name="status"/>. Returns the Service as stored afterwards
    /// (unchanged <paramref name="basis"/> when nothing needed writing).</summary>
    public async Task<V1Service> WriteStatusAsync(V1Service basis, V1ServiceStatus status, CancellationToken ct)
    {
        var current = basis;
        for (var attempt = 1; ; attempt++)
        {
            if (KubeObjects.JsonEquals(current.Status, status, Json.V1ServiceStatus))
                return current;
            var copy = KubeObjects.Clone(current, Json.V1Service);
            copy.Status = KubeObjects.Clone(status, Json.V1ServiceStatus);
            try
            {
                return await api.ReplaceStatusAsync(Services, copy, ct).ConfigureAwait(false);
            }
            catch (KubeApiException e) when (ApiError.IsConflict(e) && attempt < MaxAttempts)
            {
                _log.LogDebug("status of {Key} conflicted (attempt {Attempt}); re-reading", KubeObjects.KeyOf(basis), attempt);
                current = await ReadAsync(basis, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sets (or, for a null value, removes) the given annotations with a JSON merge patch; other
    /// annotations are left alone. Returns the Service as stored afterwards.</summary>
    public async Task<V1Service> PatchAnnotationsAsync(string ns, string name, IReadOnlyDictionary<string, string?> annotations, CancellationToken ct)
    {
        var patch = AnnotationsPatch(annotations);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await api.PatchAsync(Services, ns, name, PatchKind.Merge, patch, ct).ConfigureAwait(false);
            }
            catch (KubeApiException e) when (ApiError.IsConflict(e) && attempt < MaxAttempts)
            {
                // A merge patch carries no resourceVersion, so a conflict is transient; re-read to learn whether the
                // Service still exists (404 ends the loop) before trying again.
                _log.LogDebug("annotation patch of {Ns}/{Name} conflicted (attempt {Attempt})", ns, name, attempt);
                await api.GetAsync(Services, ns, name, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Full update: <paramref name="mutate"/> is applied to a copy of the Service and PUT; on conflict it is
    /// applied again to a fresh read. <paramref name="mutate"/> returns false when no change is needed.</summary>
    public async Task<V1Service> UpdateAsync(V1Service basis, Func<V1Service, bool> mutate, CancellationToken ct)
    {
        var current = basis;
        for (var attempt = 1; ; attempt++)
        {
            var copy = KubeObjects.Clone(current, Json.V1Service);
            if (!mutate(copy))
                return current;
            try
            {
                return await api.ReplaceAsync(Services, copy, ct).ConfigureAwait(false);
            }
            catch (KubeApiException e) when (ApiError.IsConflict(e) && attempt < MaxAttempts)
            {
                current = await ReadAsync(basis, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// <see cref="UpdateAsync"/> starting from a fresh read rather than a cached copy: for callers whose cache holds
    /// trimmed Services, a PUT of which would drop every field left out. Changed is false when
    /// <paramref name="mutate"/> found nothing to do.
    /// </summary>
    public async Task<(V1Service Stored, bool Changed)> UpdateFromServerAsync(string? ns, string name, Func<V1Service, bool> mutate,
        CancellationToken ct)
    {
        var current = await api.GetAsync(Services, ns, name, ct).ConfigureAwait(false);
        var stored = await UpdateAsync(current, mutate, ct).ConfigureAwait(false);
        return (stored, !ReferenceEquals(stored, current));
    }

    private Task<V1Service> ReadAsync(V1Service basis, CancellationToken ct) =>
        api.GetAsync(Services, basis.Metadata?.NamespaceProperty, basis.Metadata?.Name ?? "", ct);

    internal static string AnnotationsPatch(IReadOnlyDictionary<string, string?> annotations)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartObject("metadata");
            WriteAnnotations(w, annotations);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The <c>annotations</c> member of a merge patch's metadata, in key order; a null value removes one.</summary>
    internal static void WriteAnnotations(Utf8JsonWriter w, IReadOnlyDictionary<string, string?> annotations)
    {
        w.WriteStartObject("annotations");
        foreach (var (key, value) in annotations.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            if (value is null) w.WriteNull(key);
            else w.WriteString(key, value);
        }
        w.WriteEndObject();
    }
}
