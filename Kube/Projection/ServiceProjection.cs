using k8s.Models;

namespace Purelb.Kube;

/// <summary>
/// Trims each Service the allocator's and the agent's informers read down to what they look at, so 10,000 cached Services
/// cost a fraction of the full objects (no selectors, cluster IPs, labels, managed fields, last-applied
/// annotations…). Values that repeat across Services (type, protocol, families, namespace, our annotation keys and
/// pool names) are shared strings, a trimmed spec that repeats is one shared instance (its family and port lists with
/// it), and our few annotations sit in one array rather than a dictionary, shared when the set repeats. A trimmed
/// Service is only read, never mutated (its parts are shared): writes go out as patches naming the fields they set,
/// or as a PUT of a freshly read object, never as a PUT of the trimmed one (which would drop the fields left out).
/// </summary>
/// <remarks>Kept: metadata name, namespace, uid, resourceVersion, generation, creationTimestamp and the purelb.io/
/// annotations; spec type, loadBalancerClass, loadBalancerIP, ipFamilies, ipFamilyPolicy, externalTrafficPolicy,
/// clusterIP only when "None" (headless), ports' port and protocol; status loadBalancer ingress and conditions.</remarks>
public sealed class ServiceProjection
{
    private const int MaxShared = 4096;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, string> _shared = new(StringComparer.Ordinal);
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
            if (key.StartsWith(Annotations.Prefix, StringComparison.Ordinal)) count++;
        if (count == 0) return null;
        var ours = new KeyValuePair<string, string>[count];
        var i = 0;
        var perService = false;
        foreach (var (key, value) in all)
        {
            if (!key.StartsWith(Annotations.Prefix, StringComparison.Ordinal)) continue;
            // Pool names, "true" and our own values repeat across Services; requested and announced addresses do not.
            var unique = IsPerService(key);
            perService |= unique;
            ours[i++] = new(Share(key)!, unique ? value : Share(value)!);
        }
        // Most Services we allocated carry the very same set (allocated-by, allocated-from, pool-type): one map for
        // all of them. A set naming its own addresses (requested, or announced by an agent) is unique: keeping it, and
        // the joined key it is looked up by, would cost a kilobyte per Service for nothing.
        Array.Sort(ours, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        if (perService) return new ReadOnlyStringMap(ours);
        return Interned(_annotationSets, string.Join('\u001f', ours.Select(p => p.Key + "=" + p.Value)), ours, static o => new ReadOnlyStringMap(o));
    }

    /// <summary>Annotations whose value names this Service's own addresses, so never repeats across Services.</summary>
    private static bool IsPerService(string key) =>
        key is Annotations.Addresses || key.StartsWith(Annotations.Announcing, StringComparison.Ordinal);

    /// <summary>
    /// The trimmed spec, one instance per distinct value: what is left of a spec is the same for most Services of a
    /// cluster (type, class, families, policy, port 80 or 443), so 10,000 of them share a handful, and with it
    /// their family and port lists.
    /// </summary>
    private V1ServiceSpec SharedSpec(V1ServiceSpec spec)
    {
        const string Null = "\u0001";
        var headless = spec.ClusterIP == "None";
        var key = string.Join('\u001f', spec.Type ?? Null, spec.LoadBalancerClass ?? Null, spec.LoadBalancerIP ?? Null,
            spec.IpFamilyPolicy ?? Null, spec.ExternalTrafficPolicy ?? Null, headless ? "None" : "",
            spec.IpFamilies is null ? Null : string.Join(',', spec.IpFamilies),
            spec.Ports is null ? Null : string.Join(',', spec.Ports.Select(p => $"{p.Port}/{p.Protocol}")));
        return Interned(_specs, key, (Projection: this, Spec: spec), static st => st.Projection.Trimmed(st.Spec));
    }

    private V1ServiceSpec Trimmed(V1ServiceSpec s) => new()
    {
        Type = Share(s.Type),
        LoadBalancerClass = Share(s.LoadBalancerClass),
        LoadBalancerIP = s.LoadBalancerIP,
        IpFamilies = s.IpFamilies?.Select(f => Share(f)!).ToArray(),
        IpFamilyPolicy = Share(s.IpFamilyPolicy),
        ExternalTrafficPolicy = Share(s.ExternalTrafficPolicy),
        ClusterIP = s.ClusterIP == "None" ? "None" : null,
        Ports = s.Ports?.Select(p => new V1ServicePort { Port = p.Port, Protocol = Share(p.Protocol) }).ToArray(),
    };

    /// <summary>One string instance per distinct value, up to a bound (past it values are kept as they come).</summary>
    private string? Share(string? value) => value is null ? null : Interned(_shared, value, value, static v => v);

    /// <summary>The instance already kept under <paramref name="key"/>, or one made from <paramref name="state"/>, kept
    /// while the table has room (a bound, so values that never repeat cannot grow it without limit). The state argument
    /// keeps the hit path free of closures.</summary>
    private T Interned<T, TState>(Dictionary<string, T> table, string key, TState state, Func<TState, T> make)
    {
        lock (_lock)
        {
            if (table.TryGetValue(key, out var kept)) return kept;
            var made = make(state);
            if (table.Count < MaxShared) table.Add(key, made);
            return made;
        }
    }
}
