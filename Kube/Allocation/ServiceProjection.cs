using k8s.Models;

namespace Purelb.Kube.Allocation;

/// <summary>
/// Trims each Service the allocator's informer reads down to what the allocator looks at, so 10,000 cached Services
/// cost a fraction of the full objects (no selectors, cluster IPs, labels, managed fields, last-applied
/// annotations…). Values that repeat across Services (type, protocol, families, namespace, our annotation keys and
/// pool names) are shared strings. A trimmed Service is only read: writes go out as patches naming the fields they
/// set, never as a PUT of the trimmed object (which would drop the fields left out).
/// </summary>
/// <remarks>Kept: metadata name, namespace, uid, resourceVersion, generation, creationTimestamp and the purelb.io/
/// annotations; spec type, loadBalancerClass, loadBalancerIP, ipFamilies, ipFamilyPolicy, clusterIP only when
/// "None" (headless), ports' port and protocol; status loadBalancer ingress and conditions.</remarks>
public sealed class ServiceProjection
{
    private const string OurAnnotationPrefix = "purelb.io/";
    private const int MaxShared = 4096;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _shared = new(StringComparer.Ordinal);

    public V1Service Slim(V1Service svc)
    {
        var md = svc.Metadata;
        var spec = svc.Spec;
        return new V1Service
        {
            Metadata = md is null ? new V1ObjectMeta() : new V1ObjectMeta
            {
                Name = md.Name,
                NamespaceProperty = Share(md.NamespaceProperty),
                Uid = md.Uid,
                ResourceVersion = md.ResourceVersion,
                Generation = md.Generation,
                CreationTimestamp = md.CreationTimestamp,
                Annotations = OurAnnotations(md.Annotations),
            },
            Spec = spec is null ? null : new V1ServiceSpec
            {
                Type = Share(spec.Type),
                LoadBalancerClass = Share(spec.LoadBalancerClass),
                LoadBalancerIP = spec.LoadBalancerIP,
                IpFamilies = spec.IpFamilies?.Select(f => Share(f)!).ToList(),
                IpFamilyPolicy = Share(spec.IpFamilyPolicy),
                ClusterIP = spec.ClusterIP == "None" ? "None" : null,
                Ports = spec.Ports?.Select(p => new V1ServicePort { Port = p.Port, Protocol = Share(p.Protocol) }).ToList(),
            },
            Status = svc.Status is null ? null : new V1ServiceStatus
            {
                LoadBalancer = svc.Status.LoadBalancer is null ? null : new V1LoadBalancerStatus
                {
                    Ingress = svc.Status.LoadBalancer.Ingress?.Select(i => new V1LoadBalancerIngress
                    {
                        Ip = i.Ip,
                        Hostname = i.Hostname,
                        IpMode = Share(i.IpMode),
                        Ports = i.Ports,
                    }).ToList(),
                },
                Conditions = svc.Status.Conditions is { Count: > 0 } c ? c : null,
            },
        };
    }

    private Dictionary<string, string>? OurAnnotations(IDictionary<string, string>? all)
    {
        if (all is null) return null;
        Dictionary<string, string>? ours = null;
        foreach (var (key, value) in all)
        {
            if (!key.StartsWith(OurAnnotationPrefix, StringComparison.Ordinal)) continue;
            ours ??= new Dictionary<string, string>(StringComparer.Ordinal);
            // Addresses and sharing keys differ per Service; pool names, "true" and our own values repeat.
            ours[Share(key)!] = key is Annotations.Addresses ? value : Share(value)!;
        }
        return ours;
    }

    /// <summary>One string instance per distinct value, up to a bound (past it values are kept as they come).</summary>
    private string? Share(string? value)
    {
        if (value is null) return null;
        lock (_lock)
        {
            if (_shared.TryGetValue(value, out var shared)) return shared;
            if (_shared.Count < MaxShared) _shared.Add(value, value);
            return value;
        }
    }
}
