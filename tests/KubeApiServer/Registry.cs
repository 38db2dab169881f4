using System.Text.Json.Nodes;

namespace KubeApiServer;

/// <summary>The resources being served, built-in and from CRDs. Guarded by the store lock.</summary>
public sealed class Registry
{
    readonly List<ResourceType> _types = new();

    public IReadOnlyList<ResourceType> Types => _types;

    public void Add(ResourceType t) => _types.Add(t);

    public void RemoveWhere(Func<ResourceType, bool> predicate) => _types.RemoveAll(t => predicate(t));

    public ResourceType? Find(string group, string version, string plural) =>
        _types.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == plural);

    public IEnumerable<ResourceType> InGroupVersion(string group, string version) =>
        _types.Where(t => t.Group == group && t.Version == version);

    /// <summary>Groups in discovery order: core first, then in order of registration.</summary>
    public List<string> Groups() => _types.Select(t => t.Group).Where(g => g.Length > 0).Distinct().ToList();

    public List<string> Versions(string group) => _types.Where(t => t.Group == group).Select(t => t.Version).Distinct()
        .OrderByDescending(VersionPriority).ToList();

    /// <summary>Kubernetes version ordering: GA above beta above alpha, higher numbers first.</summary>
    static int VersionPriority(string v)
    {
        var m = System.Text.RegularExpressions.Regex.Match(v, @"^v(\d+)(?:(alpha|beta)(\d+))?$");
        if (!m.Success) return 0;
        int major = int.Parse(m.Groups[1].Value);
        int level = m.Groups[2].Value switch { "" => 3, "beta" => 2, _ => 1 };
        int minor = m.Groups[3].Success ? int.Parse(m.Groups[3].Value) : 0;
        return level * 1_000_000 + major * 1000 + minor;
    }
}

/// <summary>The built-in kinds and their `kubectl get` columns.</summary>
public static class BuiltinTypes
{
    public static void AddTo(Registry r, TimeProvider clock)
    {
        var name = Tables.NameColumn;
        var age = Tables.AgeColumn(clock);
        r.Add(new ResourceType
        {
            Group = "", Version = "v1", Kind = "Namespace", Plural = "namespaces", Singular = "namespace", ShortNames = ["ns"],
            HasStatus = true, Behavior = new NamespaceBehavior(),
            Verbs = ["create", "delete", "get", "list", "patch", "update", "watch"],
            Columns = [name, Col("Status", o => Json.Str(o, "status", "phase")), age],
        });
        r.Add(new ResourceType
        {
            Group = "", Version = "v1", Kind = "Node", Plural = "nodes", Singular = "node", ShortNames = ["no"], HasStatus = true,
            Behavior = SubdomainNameBehavior.Instance,
            Columns =
            [
                name, Col("Status", NodeStatus), Col("Roles", NodeRoles), age,
                Col("Version", o => Json.Str(o, "status", "nodeInfo", "kubeletVersion") ?? ""),
                Col("Internal-IP", o => NodeAddress(o, "InternalIP"), 1), Col("External-IP", o => NodeAddress(o, "ExternalIP"), 1),
                Col("OS-Image", o => Json.Str(o, "status", "nodeInfo", "osImage") ?? "<unknown>", 1),
                Col("Kernel-Version", o => Json.Str(o, "status", "nodeInfo", "kernelVersion") ?? "<unknown>", 1),
                Col("Container-Runtime", o => Json.Str(o, "status", "nodeInfo", "containerRuntimeVersion") ?? "<unknown>", 1),
            ],
        });
        r.Add(new ResourceType
        {
            Group = "", Version = "v1", Kind = "Service", Plural = "services", Singular = "service", ShortNames = ["svc"],
            Categories = ["all"], Namespaced = true, HasStatus = true, Behavior = new ServiceBehavior(),
            Columns =
            [
                name, Col("Type", o => Json.Str(o, "spec", "type")), Col("Cluster-IP", o => Json.Str(o, "spec", "clusterIP") ?? "<none>"),
                Col("External-IP", ServiceExternalIp), Col("Port(s)", ServicePorts), age,
                Col("Selector", o => o["spec"]?["selector"] is JsonObject s && s.Count > 0 ? string.Join(",", s.Select(kv => $"{kv.Key}={kv.Value}")) : "<none>", 1),
            ],
        });
        r.Add(new ResourceType
        {
            Group = "", Version = "v1", Kind = "Event", Plural = "events", Singular = "event", ShortNames = ["ev"], Namespaced = true,
            Behavior = SubdomainNameBehavior.Instance, Columns = EventColumns(clock),
        });
        r.Add(new ResourceType
        {
            Group = "", Version = "v1", Kind = "Secret", Plural = "secrets", Singular = "secret", Namespaced = true,
            Behavior = new SecretBehavior(),
            Columns = [name, Col("Type", o => Json.Str(o, "type")), Col("Data", o => (o["data"] as JsonObject)?.Count ?? 0, 0, "integer"), age],
        });
        r.Add(new ResourceType
        {
            Group = "", Version = "v1", Kind = "ConfigMap", Plural = "configmaps", Singular = "configmap", ShortNames = ["cm"], Namespaced = true,
            Behavior = SubdomainNameBehavior.Instance,
            Columns = [name, Col("Data", o => ((o["data"] as JsonObject)?.Count ?? 0) + ((o["binaryData"] as JsonObject)?.Count ?? 0), 0, "integer"), age],
        });
        r.Add(new ResourceType
        {
            Group = "", Version = "v1", Kind = "Pod", Plural = "pods", Singular = "pod", ShortNames = ["po"], Categories = ["all"],
            Namespaced = true, HasStatus = true, Behavior = SubdomainNameBehavior.Instance,
            Columns = [name, Col("Status", o => Json.Str(o, "status", "phase") ?? "Pending"), age,
                       Col("Node", o => Json.Str(o, "spec", "nodeName") ?? "<none>", 1)],
        });
        r.Add(new ResourceType
        {
            Group = "discovery.k8s.io", Version = "v1", Kind = "EndpointSlice", Plural = "endpointslices", Singular = "endpointslice",
            Namespaced = true, StorageGroup = "discovery.k8s.io", Behavior = SubdomainNameBehavior.Instance,
            Columns = [name, Col("AddressType", o => Json.Str(o, "addressType")), Col("Ports", SlicePorts), Col("Endpoints", SliceEndpoints), age],
        });
        r.Add(new ResourceType
        {
            Group = "coordination.k8s.io", Version = "v1", Kind = "Lease", Plural = "leases", Singular = "lease", Namespaced = true,
            StorageGroup = "coordination.k8s.io", Behavior = SubdomainNameBehavior.Instance,
            Columns = [name, Col("Holder", o => Json.Str(o, "spec", "holderIdentity") ?? ""), age],
        });
        r.Add(new ResourceType
        {
            Group = "events.k8s.io", Version = "v1", Kind = "Event", Plural = "events", Singular = "event", ShortNames = ["ev"],
            Namespaced = true, StorageGroup = "", Behavior = new EventsV1Behavior(), Columns = EventColumns(clock),
        });
        r.Add(new ResourceType
        {
            Group = "apiextensions.k8s.io", Version = "v1", Kind = "CustomResourceDefinition", Plural = "customresourcedefinitions",
            Singular = "customresourcedefinition", ShortNames = ["crd", "crds"], Categories = ["api-extensions"], HasStatus = true,
            StorageGroup = "apiextensions.k8s.io", TracksGeneration = true, Behavior = new CrdBehavior(),
            Columns = [name, new TableColumn("Created At", "date", 0, "", o => Json.Str(o, "metadata", "creationTimestamp"))],
        });
    }

    static TableColumn Col(string title, Func<JsonObject, JsonNode?> value, int priority = 0, string type = "string") =>
        new(title, type, priority, "", value);

    static JsonNode? NodeStatus(JsonObject o)
    {
        var ready = (o["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => (string?)c["type"] == "Ready");
        var text = ready == null ? "Unknown" : (string?)ready["status"] == "True" ? "Ready" : (string?)ready["status"] == "False" ? "NotReady" : "Unknown";
        if (Json.IsTrue(o["spec"]?["unschedulable"])) text += ",SchedulingDisabled";
        return text;
    }

    static JsonNode? NodeRoles(JsonObject o)
    {
        var roles = (o["metadata"]?["labels"] as JsonObject)?.Select(kv => kv.Key)
            .Where(k => k.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
            .Select(k => k["node-role.kubernetes.io/".Length..]).Where(k => k.Length > 0).ToList() ?? new();
        return roles.Count == 0 ? "<none>" : string.Join(",", roles);
    }

    static JsonNode? NodeAddress(JsonObject o, string type) =>
        (o["status"]?["addresses"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(a => (string?)a["type"] == type)?["address"]?.DeepClone() ?? "<none>";

    static JsonNode? ServiceExternalIp(JsonObject o)
    {
        var type = Json.Str(o, "spec", "type");
        var external = (o["spec"]?["externalIPs"] as JsonArray)?.Select(n => (string?)n).ToList() ?? new();
        if (type == "ExternalName") return Json.Str(o, "spec", "externalName");
        if (type == "LoadBalancer")
        {
            var ingress = (o["status"]?["loadBalancer"]?["ingress"] as JsonArray)?.OfType<JsonObject>()
                .Select(i => (string?)i["ip"] ?? (string?)i["hostname"]).Where(s => s != null).ToList() ?? new();
            var all = external.Concat(ingress).ToList();
            return all.Count == 0 ? "<pending>" : string.Join(",", all);
        }
        return external.Count == 0 ? "<none>" : string.Join(",", external);
    }

    static JsonNode? ServicePorts(JsonObject o)
    {
        var ports = (o["spec"]?["ports"] as JsonArray)?.OfType<JsonObject>().Select(p =>
            p["nodePort"] != null ? $"{p["port"]}:{p["nodePort"]}/{(string?)p["protocol"] ?? "TCP"}" : $"{p["port"]}/{(string?)p["protocol"] ?? "TCP"}").ToList();
        return ports == null || ports.Count == 0 ? "<none>" : string.Join(",", ports);
    }

    static JsonNode? SlicePorts(JsonObject o)
    {
        var ports = (o["ports"] as JsonArray)?.OfType<JsonObject>().Select(p => p["port"]?.ToJsonString() ?? "").ToList();
        return ports == null || ports.Count == 0 ? "<unset>" : string.Join(",", ports);
    }

    static JsonNode? SliceEndpoints(JsonObject o)
    {
        var addrs = (o["endpoints"] as JsonArray)?.OfType<JsonObject>()
            .SelectMany(e => (e["addresses"] as JsonArray)?.Select(a => (string?)a) ?? []).ToList() ?? new();
        if (addrs.Count == 0) return "<unset>";
        return addrs.Count <= 3 ? string.Join(",", addrs) : string.Join(",", addrs.Take(3)) + $" + {addrs.Count - 3} more...";
    }

    static List<TableColumn> EventColumns(TimeProvider clock)
    {
        // Works on both shapes: core/v1 names first, events.k8s.io/v1 names second.
        static JsonNode? Pick(JsonObject o, string core, string v1) => o[core] ?? o[v1];
        string LastSeen(JsonObject o)
        {
            var ts = Json.Str(Pick(o, "lastTimestamp", "deprecatedLastTimestamp")) ?? Json.Str(o["series"]?["lastObservedTime"]) ?? Json.Str(o["eventTime"]);
            return Tables.Age(ts, clock);
        }
        string Obj(JsonObject o)
        {
            var r = Pick(o, "involvedObject", "regarding");
            return $"{((string?)r?["kind"] ?? "").ToLowerInvariant()}/{(string?)r?["name"]}";
        }
        return
        [
            Col("Last Seen", o => LastSeen(o)), Col("Type", o => Json.Str(o, "type")), Col("Reason", o => Json.Str(o, "reason")),
            Col("Object", o => Obj(o)),
            Col("Subobject", o => Json.Str(Pick(o, "involvedObject", "regarding"), "fieldPath") ?? "", 1),
            Col("Source", o => Json.Str(Pick(o, "source", "deprecatedSource"), "component") ?? Json.Str(Pick(o, "reportingComponent", "reportingController")) ?? "", 1),
            Col("Message", o => Json.Str(Pick(o, "message", "note")) ?? ""),
            Col("First Seen", o => Tables.Age(Json.Str(Pick(o, "firstTimestamp", "deprecatedFirstTimestamp")) ?? Json.Str(o["eventTime"]), clock), 1),
            Col("Count", o => Pick(o, "count", "deprecatedCount")?.DeepClone() ?? 1, 1, "integer"),
            Col("Name", o => Json.Str(o, "metadata", "name"), 1),
        ];
    }
}
