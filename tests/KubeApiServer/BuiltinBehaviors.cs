using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KubeApiServer;

/// <summary>Names the real server accepts, with its error wording.</summary>
public static partial class NameRules
{
    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();
    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label1123();
    [GeneratedRegex(@"^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label1035();

    public static FieldError? CheckSubdomain(string name) =>
        name.Length <= 253 && Subdomain().IsMatch(name) ? null
            : FieldError.Invalid("metadata.name", $"\"{name}\"", "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");

    public static FieldError? CheckLabel1123(string name) =>
        name.Length <= 63 && Label1123().IsMatch(name) ? null
            : FieldError.Invalid("metadata.name", $"\"{name}\"", "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");

    public static FieldError? CheckLabel1035(string name) =>
        name.Length <= 63 && Label1035().IsMatch(name) ? null
            : FieldError.Invalid("metadata.name", $"\"{name}\"", "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
}

/// <summary>Service defaulting as the real server does it: cluster IP and node ports allocated, policies defaulted.</summary>
public sealed class ServiceBehavior : ITypeBehavior
{
    readonly object _gate = new();
    uint _nextClusterIp = 10; // 10.96.0.1 is the kubernetes Service's on a real cluster
    int _nextNodePort = 30000;
    readonly HashSet<int> _usedNodePorts = new();

    public void PrepareForWrite(JsonObject obj, JsonObject? old)
    {
        var spec = Json.Obj(obj, "spec");
        var oldSpec = old?["spec"] as JsonObject;
        var type = (string?)spec["type"] ?? "ClusterIP";
        spec["type"] = type;
        spec["sessionAffinity"] ??= "None";
        if (type != "ExternalName")
        {
            if (spec["clusterIP"] == null && oldSpec?["clusterIP"] != null && (string?)oldSpec["type"] != "ExternalName")
            {
                spec["clusterIP"] = oldSpec["clusterIP"]!.DeepClone();
                spec["clusterIPs"] = oldSpec["clusterIPs"]?.DeepClone();
            }
            if (spec["clusterIP"] == null || (string?)spec["clusterIP"] == "") spec["clusterIP"] = NextClusterIp();
            spec["clusterIPs"] ??= new JsonArray((string?)spec["clusterIP"]);
            if ((string?)spec["clusterIP"] != "None")
            {
                spec["ipFamilies"] ??= new JsonArray("IPv4");
                spec["ipFamilyPolicy"] ??= "SingleStack";
            }
            spec["internalTrafficPolicy"] ??= "Cluster";
        }
        if (type is "NodePort" or "LoadBalancer") spec["externalTrafficPolicy"] ??= "Cluster";
        if (type == "LoadBalancer") spec["allocateLoadBalancerNodePorts"] ??= true;
        bool wantNodePorts = type == "NodePort" || (type == "LoadBalancer" && Json.IsTrue(spec["allocateLoadBalancerNodePorts"]));
        if (spec["ports"] is JsonArray ports)
            foreach (var pn in ports)
            {
                if (pn is not JsonObject p) continue;
                p["protocol"] ??= "TCP";
                if (p["targetPort"] == null && p["port"] != null) p["targetPort"] = p["port"]!.DeepClone();
                if (!wantNodePorts) { if (type is "ClusterIP" or "ExternalName") p.Remove("nodePort"); continue; }
                if (p["nodePort"] == null)
                {
                    var prior = (oldSpec?["ports"] as JsonArray)?.OfType<JsonObject>()
                        .FirstOrDefault(o => JsonNode.DeepEquals(o["port"], p["port"]) && o["nodePort"] != null);
                    p["nodePort"] = prior != null ? prior["nodePort"]!.DeepClone() : NextNodePort();
                }
            }
        if (old == null) obj["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
    }

    string NextClusterIp()
    {
        lock (_gate)
        {
            var n = (10u << 24) | (96u << 16) | _nextClusterIp++;
            return new IPAddress(new[] { (byte)(n >> 24), (byte)(n >> 16), (byte)(n >> 8), (byte)n }).ToString();
        }
    }

    int NextNodePort()
    {
        lock (_gate)
        {
            for (int i = 0; i < 2768; i++)
            {
                var port = _nextNodePort;
                _nextNodePort = _nextNodePort >= 32767 ? 30000 : _nextNodePort + 1;
                if (_usedNodePorts.Add(port)) return port;
            }
            throw new ApiError(422, "Invalid", "Service is invalid: spec.ports.nodePort: Internal error: failed to allocate a nodePort: range is full");
        }
    }

    static IEnumerable<int> NodePorts(JsonObject? svc) =>
        (svc?["spec"]?["ports"] as JsonArray)?.OfType<JsonObject>().Where(p => p["nodePort"] != null).Select(p => Json.Int(p["nodePort"]!)) ?? [];

    /// <summary>Node ports the stored Service no longer holds go back to the pool.</summary>
    public void AfterCommit(JsonObject? stored, JsonObject? old)
    {
        var keep = NodePorts(stored).ToHashSet();
        lock (_gate)
        {
            foreach (var p in NodePorts(old)) if (!keep.Contains(p)) _usedNodePorts.Remove(p);
            foreach (var p in keep) _usedNodePorts.Add(p);
        }
    }

    public IEnumerable<FieldError> Validate(JsonObject obj, JsonObject? old)
    {
        var name = Json.Str(obj, "metadata", "name") ?? "";
        if (NameRules.CheckLabel1035(name) is { } e) yield return e;
        var spec = obj["spec"] as JsonObject ?? new JsonObject();
        var type = (string?)spec["type"] ?? "ClusterIP";
        string[] types = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"];
        if (!types.Contains(type)) yield return FieldError.NotSupported("spec.type", $"\"{type}\"", types.Select(t => $"\"{t}\""));
        var ports = spec["ports"] as JsonArray;
        bool headless = (string?)spec["clusterIP"] == "None";
        if (type != "ExternalName" && !headless && (ports == null || ports.Count == 0)) yield return FieldError.Required("spec.ports");
        if (type == "ExternalName" && string.IsNullOrEmpty((string?)spec["externalName"])) yield return FieldError.Required("spec.externalName");
        if (ports != null)
            for (int i = 0; i < ports.Count; i++)
            {
                var p = ports[i] as JsonObject;
                var port = p?["port"];
                if (port == null) { yield return FieldError.Required($"spec.ports[{i}].port"); continue; }
                var n = Json.Num(port);
                if (n < 1 || n > 65535) yield return FieldError.Invalid($"spec.ports[{i}].port", port.ToJsonString(), "must be between 1 and 65535, inclusive");
                var proto = (string?)p!["protocol"];
                if (proto is not (null or "TCP" or "UDP" or "SCTP"))
                    yield return FieldError.NotSupported($"spec.ports[{i}].protocol", $"\"{proto}\"", ["\"SCTP\"", "\"TCP\"", "\"UDP\""]);
                if (ports.Count > 1 && string.IsNullOrEmpty((string?)p["name"])) yield return FieldError.Required($"spec.ports[{i}].name");
            }
        var oldIp = (string?)old?["spec"]?["clusterIP"];
        var newIp = (string?)spec["clusterIP"];
        if (oldIp != null && newIp != null && oldIp != newIp && (string?)old!["spec"]?["type"] != "ExternalName" && type != "ExternalName")
            yield return FieldError.Invalid("spec.clusterIPs[0]", $"[]string{{\"{newIp}\"}}", "may not change once set");
    }
}

/// <summary>Secrets: stringData is folded into base64 data; type defaults to Opaque.</summary>
public sealed class SecretBehavior : ITypeBehavior
{
    public void PrepareForWrite(JsonObject obj, JsonObject? old)
    {
        obj["type"] ??= "Opaque";
        if (obj["stringData"] is JsonObject sd)
        {
            var data = Json.Obj(obj, "data");
            foreach (var (k, v) in sd) data[k] = Convert.ToBase64String(Encoding.UTF8.GetBytes((string?)v ?? ""));
            obj.Remove("stringData");
        }
    }
}

/// <summary>Namespaces are Active and carry the kubernetes.io/metadata.name label.</summary>
public sealed class NamespaceBehavior : ITypeBehavior
{
    public void PrepareForWrite(JsonObject obj, JsonObject? old)
    {
        var name = Json.Str(obj, "metadata", "name") ?? "";
        Json.Obj(Json.Metadata(obj), "labels")["kubernetes.io/metadata.name"] = name;
        var status = Json.Obj(obj, "status");
        status["phase"] ??= "Active";
    }

    public IEnumerable<FieldError> Validate(JsonObject obj, JsonObject? old)
    {
        if (NameRules.CheckLabel1123(Json.Str(obj, "metadata", "name") ?? "") is { } e) yield return e;
    }
}

/// <summary>Default rule for kinds without their own: names are RFC 1123 subdomains.</summary>
public sealed class SubdomainNameBehavior : ITypeBehavior
{
    public static readonly SubdomainNameBehavior Instance = new();
    public IEnumerable<FieldError> Validate(JsonObject obj, JsonObject? old)
    {
        if (NameRules.CheckSubdomain(Json.Str(obj, "metadata", "name") ?? "") is { } e) yield return e;
    }
}

/// <summary>
/// events.k8s.io/v1 Events share storage with core/v1 Events; fields are renamed on the way in and out.
/// </summary>
public sealed class EventsV1Behavior : ITypeBehavior
{
    // events.k8s.io/v1 name ↔ core/v1 name
    static readonly (string V1, string Core)[] Renames =
    [
        ("regarding", "involvedObject"), ("note", "message"), ("deprecatedCount", "count"),
        ("deprecatedFirstTimestamp", "firstTimestamp"), ("deprecatedLastTimestamp", "lastTimestamp"),
        ("reportingController", "reportingComponent"),
    ];

    public bool StorageShapeIsServed => false;

    public JsonObject ToStorage(JsonObject obj)
    {
        var core = (JsonObject)obj.DeepClone();
        core["apiVersion"] = "v1";
        core["kind"] = "Event";
        foreach (var (v1, c) in Renames)
            if (core[v1] is { } n) { core.Remove(v1); core[c] = n.DeepClone(); }
        if (core["deprecatedSource"] is JsonObject src) { core.Remove("deprecatedSource"); core["source"] = src.DeepClone(); }
        core["reportingInstance"] ??= "";
        return core;
    }

    public JsonObject FromStorage(JsonObject stored)
    {
        var v1 = (JsonObject)stored.DeepClone();
        v1["apiVersion"] = "events.k8s.io/v1";
        v1["kind"] = "Event";
        foreach (var (name, c) in Renames)
            if (v1[c] is { } n) { v1.Remove(c); v1[name] = n.DeepClone(); }
        if (v1["source"] is JsonObject src) { v1.Remove("source"); v1["deprecatedSource"] = src.DeepClone(); }
        return v1;
    }

    public IEnumerable<FieldError> Validate(JsonObject obj, JsonObject? old)
    {
        if (obj["eventTime"] == null) yield return FieldError.Required("eventTime");
        if (string.IsNullOrEmpty((string?)obj["reportingComponent"])) yield return FieldError.Required("reportingController");
        if (string.IsNullOrEmpty((string?)obj["action"])) yield return FieldError.Required("action");
        if (string.IsNullOrEmpty((string?)obj["reason"])) yield return FieldError.Required("reason");
    }
}
