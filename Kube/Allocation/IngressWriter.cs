using System.Text;
using System.Text.Json;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Purelb.Kube.Allocation;

/// <summary>
/// Sets a Service's <c>status.loadBalancer.ingress</c> with a JSON merge patch on the status subresource that also
/// carries the resourceVersion the decision was taken against, so a Service that changed meanwhile answers 409 like
/// a PUT would. Only the ingress list is sent: the status conditions and every other field stay as stored, and the
/// (possibly trimmed, see <see cref="ServiceProjection"/>) cached object is never written back.
/// The same patch may carry our annotations: a Service's status strategy resets only the spec, so metadata sent to
/// /status is stored, and the decision lands in one write, one new version and one watch event instead of two.
/// </summary>
public sealed class IngressWriter(KubeApiClient api, ILogger log)
{
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Writes <paramref name="addresses"/> (empty clears the ingress), and <paramref name="annotations"/> with
    /// them when given (a null value removes one). On 409 it re-reads: a Service that already shows all of it is done;
    /// a re-created one (other uid) throws for the caller to decide again; otherwise it tries again on the fresh
    /// resourceVersion.</summary>
    public async Task WriteAsync(V1Service decidedOn, string? resourceVersion, IReadOnlyList<string> addresses, CancellationToken ct,
        IReadOnlyDictionary<string, string?>? annotations = null)
    {
        var ns = decidedOn.Metadata.NamespaceProperty;
        var name = decidedOn.Metadata.Name;
        var rv = resourceVersion;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await api.PatchForVersionAsync(KubeResources.Services, ns, name, PatchKind.Merge, Patch(rv, addresses, annotations), ct, "status")
                    .ConfigureAwait(false);
                return;
            }
            catch (KubeApiException e) when (ApiError.IsConflict(e) && attempt < MaxAttempts)
            {
                log.LogDebug("status of {Namespace}/{Name} conflicted (attempt {Attempt}); re-reading", ns, name, attempt);
                var current = await api.GetAsync(KubeResources.Services, ns, name, ct).ConfigureAwait(false);
                if (current.Metadata.Uid != decidedOn.Metadata.Uid)
                    throw new InvalidOperationException($"{ns}/{name} was re-created while its status was written");
                if (Shows(current, addresses) && (annotations is null || HasAnnotations(current, annotations))) return;
                rv = current.Metadata.ResourceVersion;
            }
        }
    }

    /// <summary>True when every annotation has the given value (null: absent).</summary>
    public static bool HasAnnotations(V1Service svc, IReadOnlyDictionary<string, string?> annotations)
    {
        foreach (var (key, value) in annotations)
            if (svc.Metadata.Annotation(key) != value) return false;
        return true;
    }

    /// <summary>Sets (or, for a null value, removes) these annotations with a merge patch (no precondition: other
    /// annotations are left alone) and returns the Service's version afterwards, whose uid tells a re-created one.</summary>
    public async Task<ObjectVersion> PatchAnnotationsAsync(string ns, string name, IReadOnlyDictionary<string, string?> annotations, CancellationToken ct)
    {
        var patch = ServiceStatusWriter.AnnotationsPatch(annotations);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await api.PatchForVersionAsync(KubeResources.Services, ns, name, PatchKind.Merge, patch, ct).ConfigureAwait(false);
            }
            catch (KubeApiException e) when (ApiError.IsConflict(e) && attempt < MaxAttempts)
            {
                // A merge patch without a resourceVersion conflicts only transiently; try again.
                log.LogDebug("annotation patch of {Namespace}/{Name} conflicted (attempt {Attempt})", ns, name, attempt);
            }
        }
    }

    /// <summary>True when the Service's ingress is exactly these addresses as we write them (IP and mode VIP only).</summary>
    public static bool Shows(V1Service svc, IReadOnlyList<string> addresses)
    {
        var ingress = svc.Status?.LoadBalancer?.Ingress;
        if (addresses.Count == 0) return ingress is not { Count: > 0 };
        if (ingress is null || ingress.Count != addresses.Count) return false;
        for (var i = 0; i < addresses.Count; i++)
        {
            var have = ingress[i];
            if (have.Ip != addresses[i] || have.IpMode != "VIP" || have.Hostname is not null || have.Ports is { Count: > 0 }) return false;
        }
        return true;
    }

    /// <summary>The merge patch; without a resourceVersion (never expected from a stored object) it has no precondition.</summary>
    internal static string Patch(string? resourceVersion, IReadOnlyList<string> addresses, IReadOnlyDictionary<string, string?>? annotations = null)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (!string.IsNullOrEmpty(resourceVersion) || annotations is not null)
            {
                w.WriteStartObject("metadata");
                if (!string.IsNullOrEmpty(resourceVersion)) w.WriteString("resourceVersion", resourceVersion);
                if (annotations is not null) ServiceStatusWriter.WriteAnnotations(w, annotations);
                w.WriteEndObject();
            }
            w.WriteStartObject("status");
            w.WriteStartObject("loadBalancer");
            if (addresses.Count == 0)
            {
                w.WriteNull("ingress");
            }
            else
            {
                w.WriteStartArray("ingress");
                foreach (var address in addresses)
                {
                    w.WriteStartObject();
                    w.WriteString("ip", address);
                    w.WriteString("ipMode", "VIP");
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
