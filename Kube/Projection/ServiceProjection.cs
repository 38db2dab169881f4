using k8s.Models;

namespace Purelb.Kube;

/// <summary>
/// Trims each Service the allocator's and the agent's informers read down to what they look at, so 10,000 cached Services
/// cost a fraction of the full objects (no selectors, cluster IPs, labels, managed fields, last-applied
/// annotations…). Values that repeat across Services (type, protocol, families, namespace, our annotation keys and
/// pool names) are shared strings, lists that repeat whole (ip families, ports) are shared arrays, a trimmed spec
/// that repeats is one shared instance, and our few annotations sit in one array rather than a dictionary (one
/// shared array for a set that repeats). A trimmed
/// Service is only read, never mutated (its parts are shared): writes go out as patches naming the fields they set,
/// or as a PUT of a freshly read object, never as a PUT of the trimmed one (which would drop the fields left out).
/// </summary>
/// <remarks>Kept: metadata name, namespace, uid, resourceVersion, generation, creationTimestamp and the purelb.io/
/// annotations; spec type, loadBalancerClass, loadBalancerIP, ipFamilies, ipFamilyPolicy, externalTrafficPolicy,
/// clusterIP only when "None" (headless), ports' port and protocol; status loadBalancer ingress and conditions.</remarks>
public sealed class ServiceProjection
{
    private const string OurAnnotationPrefix = "purelb.io/";
    private const int MaxShared = 4096;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _shared = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string[]> _families = new(StringComparer.Ordinal);
    private readonly Dictionary<string, V1ServicePort[]> _ports = new(StringComparer.Ordinal);
    private readonly Dictionary<string, V1ServiceSpec> _specs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ReadOnlyStringMap> _annotationSets = new(StringComparer.Ordinal);

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
            Spec = spec is null ? null : SharedSpec(spec),
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
                    }).ToArray(),
                },
                Conditions = svc.Status.Conditions is { Count: > 0 } c ? c : null,
            },
        };
    }

    private ReadOnlyStringMap? OurAnnotations(IDictionary<string, string>? all)
    {
        if (all is null) return null;
        var count = 0;
        foreach (var key in all.Keys)
            if (key.StartsWith(OurAnnotationPrefix, StringComparison.Ordinal)) count++;
        if (count == 0) return null;
        var ours = new KeyValuePair<string, string>[count];
        var i = 0;
        foreach (var (key, value) in all)
        {
            if (!key.StartsWith(OurAnnotationPrefix, StringComparison.Ordinal)) continue;
            // Addresses and sharing keys differ per Service; pool names, "true" and our own values repeat.
            ours[i++] = new(Share(key)!, key is Annotations.Addresses ? value : Share(value)!);
        }
        // Most Services we allocated carry the very same set (allocated-by, allocated-from, pool-type): one map for
        // all of them. A set naming its own addresses is unique and not worth a slot.
        Array.Sort(ours, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        if (Array.Exists(ours, p => p.Key == Annotations.Addresses)) return new ReadOnlyStringMap(ours);
        var signature = string.Join('\u001f', ours.Select(p => p.Key + "=" + p.Value));
        lock (_lock)
        {
            if (_annotationSets.TryGetValue(signature, out var shared)) return shared;
            var made = new ReadOnlyStringMap(ours);
            if (_annotationSets.Count < MaxShared) _annotationSets.Add(signature, made);
            return made;
        }
    }

    /// <summary>
    /// The trimmed spec, one instance per distinct value: what is left of a spec is the same for most Services of a
    /// cluster (type, class, families, policy, port 80 or 443), so 10,000 of them share a handful.
    /// </summary>
    private V1ServiceSpec SharedSpec(V1ServiceSpec spec)
    {
        var headless = spec.ClusterIP == "None";
        var signature = new System.Text.StringBuilder(96);
        foreach (var part in new[] { spec.Type, spec.LoadBalancerClass, spec.LoadBalancerIP, spec.IpFamilyPolicy, spec.ExternalTrafficPolicy })
            signature.Append(part ?? "\u0001").Append('\u001f');
        signature.Append(headless ? 'h' : '-').Append('\u001f');
        signature.Append(spec.IpFamilies is null ? "\u0001" : string.Join(',', spec.IpFamilies)).Append('\u001f');
        signature.Append(spec.Ports is null ? "\u0001" : PortsSignature(spec.Ports));
        var key = signature.ToString();
        lock (_lock)
        {
            if (_specs.TryGetValue(key, out var shared)) return shared;
            var made = new V1ServiceSpec
            {
                Type = Share(spec.Type),
                LoadBalancerClass = Share(spec.LoadBalancerClass),
                LoadBalancerIP = spec.LoadBalancerIP,
                IpFamilies = Families(spec.IpFamilies),
                IpFamilyPolicy = Share(spec.IpFamilyPolicy),
                ExternalTrafficPolicy = Share(spec.ExternalTrafficPolicy),
                ClusterIP = headless ? "None" : null,
                Ports = Ports(spec.Ports),
            };
            if (_specs.Count < MaxShared) _specs.Add(key, made);
            return made;
        }
    }

    private static string PortsSignature(IList<V1ServicePort> ports) => string.Join(',', ports.Select(p => $"{p.Port}/{p.Protocol}"));

    /// <summary>One array per distinct family list ("IPv4", "IPv4,IPv6"…), shared by every Service that has it.</summary>
    private string[]? Families(IList<string>? families)
    {
        if (families is null) return null;
        var signature = string.Join(',', families);
        lock (_lock)
        {
            if (_families.TryGetValue(signature, out var shared)) return shared;
            var made = families.Select(f => Share(f)!).ToArray();
            if (_families.Count < MaxShared) _families.Add(signature, made);
            return made;
        }
    }

    /// <summary>Port and protocol only; one array per distinct list, since most Services expose 80 or 443 over TCP.</summary>
    private V1ServicePort[]? Ports(IList<V1ServicePort>? ports)
    {
        if (ports is null) return null;
        var signature = PortsSignature(ports);
        lock (_lock)
        {
            if (_ports.TryGetValue(signature, out var shared)) return shared;
            var made = ports.Select(p => new V1ServicePort { Port = p.Port, Protocol = Share(p.Protocol) }).ToArray();
            if (_ports.Count < MaxShared) _ports.Add(signature, made);
            return made;
        }
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
