using System.Text;
using System.Text.Json.Nodes;

namespace KubeApiServer;

public sealed class ApiServerOptions
{
    /// <summary>CRD manifests served at start (apiextensions.k8s.io/v1 YAML); null serves none.</summary>
    public string? CrdDirectory { get; set; }
    /// <summary>Further CRD manifest directories, loaded after <see cref="CrdDirectory"/>.</summary>
    public IList<string> CrdDirectories { get; set; } = new List<string>();
    public TimeProvider Clock { get; set; } = TimeProvider.System;
    /// <summary>How often watches that asked for bookmarks get one.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>History entries kept before the oldest half is compacted away automatically.</summary>
    public int MaxHistory { get; set; } = 200_000;
}

/// <param name="Watch">The request carried watch=1/true.</param>
/// <param name="UserAgent">The caller as it named itself (purelb-allocator/…, purelb-agent/…, kubectl/…).</param>
public sealed record RequestRecord(string Method, string Path, bool Watch, string UserAgent = "");

/// <summary>What a resource request addresses.</summary>
public sealed record Target(ResourceType Type, string? Namespace, string? Name, string? Subresource);

public sealed record ListOptions(string? LabelSelector = null, string? FieldSelector = null, string? ResourceVersion = null,
    string? ResourceVersionMatch = null, int Limit = 0, string? Continue = null);

public sealed class WriteOptions
{
    public bool DryRun { get; init; }
    public string FieldValidation { get; init; } = "Warn";
    public List<string> Warnings { get; } = new();
}

/// <summary>
/// The in-memory Kubernetes API server: the served kinds, the object store, and the verbs on them.
/// HTTP lives in <see cref="HttpApi"/>; this type is also the C# surface tests use for faults and seeding.
/// </summary>
public sealed partial class ApiServer
{
    public ApiServerOptions Options { get; }
    public Store Store { get; } = new();
    public Registry Registry { get; } = new();
    public FaultInjector Faults { get; } = new();

    /// <summary>Every API request served, so tests can check what a client did (e.g. against its RBAC rules).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<RequestRecord> RequestLog { get; } = new();
    TimeProvider Clock => Options.Clock;

    public ApiServer(ApiServerOptions? options = null)
    {
        Options = options ?? new ApiServerOptions();
        Store.MaxHistory = Options.MaxHistory;
        BuiltinTypes.AddTo(Registry, Clock);
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
            CreateObject(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ns } });
        if (Options.CrdDirectory != null) LoadCrds(Options.CrdDirectory);
        foreach (var dir in Options.CrdDirectories) LoadCrds(dir);
    }

    public long ResourceVersion { get { lock (Store.Lock) return Store.ResourceVersion; } }

    string Now() => Clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Creates every CustomResourceDefinition found in the manifests under <paramref name="dir"/>.</summary>
    public int LoadCrds(string dir)
    {
        int n = 0;
        foreach (var doc in Yaml.LoadDirectory(dir))
        {
            if ((string?)doc["kind"] != "CustomResourceDefinition") continue;
            CreateObject(doc);
            n++;
        }
        return n;
    }

    /// <summary>Closes every open watch, as a dropped connection would.</summary>
    public void DropAllWatches() { lock (Store.Lock) Store.DropAllWatchers(); }

    /// <summary>Forgets all history up to now: watches and exact reads from older versions get 410 Gone.</summary>
    public void CompactHistory() { lock (Store.Lock) Store.CompactThrough(Store.ResourceVersion); }

    public int OpenWatches { get { lock (Store.Lock) return Store.WatcherCount; } }

    /// <summary>Creates an object given with apiVersion and kind, as a POST would (for seeding tests).</summary>
    public JsonObject CreateObject(JsonObject obj)
    {
        var target = TargetFor(obj);
        return Create(target, (JsonObject)obj.DeepClone(), new WriteOptions()).Object;
    }

    /// <summary>Reads an object, or null when absent.</summary>
    public JsonObject? GetObject(string apiVersion, string kind, string? ns, string name)
    {
        var type = TypeFor(apiVersion, kind);
        lock (Store.Lock)
        {
            var stored = Store.Get(type.StorageKey, Store.Key(type.Namespaced ? ns : null, name));
            return stored == null ? null : type.Behavior.FromStorage(stored);
        }
    }

    ResourceType TypeFor(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/');
        var group = slash < 0 ? "" : apiVersion[..slash];
        var version = slash < 0 ? apiVersion : apiVersion[(slash + 1)..];
        lock (Store.Lock)
            return Registry.InGroupVersion(group, version).FirstOrDefault(t => t.Kind == kind)
                   ?? throw ApiError.BadRequest($"no matches for kind \"{kind}\" in version \"{apiVersion}\"");
    }

    Target TargetFor(JsonObject obj)
    {
        var type = TypeFor((string?)obj["apiVersion"] ?? "", (string?)obj["kind"] ?? "");
        var ns = type.Namespaced ? Json.Str(obj, "metadata", "namespace") ?? "default" : null;
        return new Target(type, ns, null, null);
    }

    // ---------------------------------------------------------------- reads

    public JsonObject Get(Target t)
    {
        lock (Store.Lock)
        {
            var stored = Store.Get(t.Type.StorageKey, Store.Key(t.Namespace, t.Name!))
                         ?? throw ApiError.NotFound(t.Type.Plural, t.Type.Group, t.Name!);
            return t.Type.Behavior.FromStorage(stored);
        }
    }

    public sealed record ListResult(List<JsonObject> Items, string ResourceVersion, string? Continue, long? Remaining);

    /// <summary>
    /// Lists objects. With <paramref name="shareStored"/> the items may be the stored nodes themselves, which
    /// the caller must only read (the HTTP layer serializes them without copying 10,000 objects).
    /// </summary>
    public ListResult List(Target t, ListOptions o, bool shareStored = false)
    {
        var labels = LabelSelector.Parse(o.LabelSelector);
        var fields = FieldSelector.Parse(o.FieldSelector);
        lock (Store.Lock)
        {
            long at = Store.ResourceVersion;
            string? after = null;
            IEnumerable<KeyValuePair<string, JsonObject>> source;
            if (!string.IsNullOrEmpty(o.Continue))
            {
                (at, after) = DecodeContinue(o.Continue);
                if (at < Store.CompactedThrough)
                    throw ApiError.Gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.");
                source = Store.SnapshotAt(t.Type.StorageKey, at);
            }
            else if (!string.IsNullOrEmpty(o.ResourceVersion) && o.ResourceVersion != "0")
            {
                if (!long.TryParse(o.ResourceVersion, out var rv)) throw ApiError.BadRequest($"invalid resource version \"{o.ResourceVersion}\"");
                if (rv > Store.ResourceVersion)
                    throw new ApiError(504, "Timeout", $"Too large resource version: {rv}, current: {Store.ResourceVersion}",
                        new JsonObject { ["causes"] = new JsonArray(new JsonObject { ["reason"] = "ResourceVersionTooLarge", ["message"] = "Too large resource version" }), ["retryAfterSeconds"] = 1 });
                if (o.ResourceVersionMatch == "Exact")
                {
                    if (rv < Store.CompactedThrough)
                        throw ApiError.Gone($"The resourceVersion for the provided list is too old. (requested {rv}, oldest available {Store.CompactedThrough + 1})");
                    at = rv;
                    source = Store.SnapshotAt(t.Type.StorageKey, rv);
                }
                else source = Store.All(t.Type.StorageKey);
            }
            else source = Store.All(t.Type.StorageKey);

            var items = new List<JsonObject>();
            string? next = null;
            long remaining = 0;
            foreach (var (key, stored) in source)
            {
                if (after != null && string.CompareOrdinal(key, after) <= 0) continue;
                if (t.Namespace != null && Json.Str(stored, "metadata", "namespace") != t.Namespace) continue;
                var view = t.Type.Behavior.StorageShapeIsServed ? stored : t.Type.Behavior.FromStorage(stored);
                if (labels != null && !labels.Matches(view)) continue;
                if (fields != null && !fields.Matches(view)) continue;
                if (o.Limit > 0 && items.Count >= o.Limit)
                {
                    next ??= EncodeContinue(at, Store.KeyOf(items[^1]));
                    remaining++;
                    continue;
                }
                items.Add(view == stored && !shareStored ? (JsonObject)stored.DeepClone() : view);
            }
            return new ListResult(items, at.ToString(), next, next != null && labels == null && fields == null ? remaining : null);
        }
    }

    static string EncodeContinue(long rv, string lastKey) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = rv, ["start"] = lastKey }.ToJsonString()));

    static (long, string) DecodeContinue(string token)
    {
        try
        {
            var o = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)))!.AsObject();
            return ((long)o["rv"]!, (string)o["start"]!);
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or NullReferenceException or InvalidOperationException)
        {
            throw ApiError.BadRequest("continue key is not valid: " + e.Message);
        }
    }

    // ---------------------------------------------------------------- writes

    public sealed record WriteResult(int Code, JsonObject Object);

    public WriteResult Create(Target t, JsonObject body, WriteOptions o)
    {
        lock (Store.Lock)
        {
            CheckTypeMeta(t.Type, body);
            var md = Json.Metadata(body);
            var bodyNs = (string?)md["namespace"];
            if (t.Type.Namespaced)
            {
                if (bodyNs != null && t.Namespace != null && bodyNs != t.Namespace)
                    throw ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
                md["namespace"] = t.Namespace ?? bodyNs ?? "default";
            }
            else md.Remove("namespace");
            var ns = (string?)md["namespace"];
            if (string.IsNullOrEmpty((string?)md["name"]))
            {
                var prefix = (string?)md["generateName"];
                if (string.IsNullOrEmpty(prefix))
                    throw ApiError.Invalid(t.Type.Kind, t.Type.Group, "", [FieldError.Required("metadata.name", "name or generateName is required")]);
                md["name"] = GenerateName(t.Type, ns, prefix);
            }
            var name = (string)md["name"]!;
            if (Faults.TakeWriteFailure(t.Type, name) is { } fault) throw fault;
            if (t.Type.Namespaced && Store.Get("/namespaces", ns!) == null && t.Type.Plural != "namespaces")
                throw ApiError.NotFound("namespaces", "", ns!);
            if (Store.Get(t.Type.StorageKey, Store.Key(ns, name)) != null)
                throw ApiError.AlreadyExists(t.Type.Plural, t.Type.Group, name);

            md.Remove("resourceVersion");
            md.Remove("deletionTimestamp");
            md.Remove("deletionGracePeriodSeconds");
            md.Remove("selfLink");
            md["uid"] = Guid.NewGuid().ToString();
            md["creationTimestamp"] = Now();
            if (t.Type.TracksGeneration) md["generation"] = 1;
            else md.Remove("generation");
            if (t.Type.HasStatus && t.Type.IsCustom) body.Remove("status");

            var stored = Prepare(t.Type, body, null, o);
            if (o.DryRun) return new WriteResult(201, t.Type.Behavior.FromStorage(stored));
            Store.Commit(t.Type.StorageKey, Store.Key(ns, name), stored);
            AfterCommit(t.Type, stored, null);
            return new WriteResult(201, t.Type.Behavior.FromStorage(stored));
        }
    }

    string GenerateName(ResourceType type, string? ns, string prefix)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        for (int attempt = 0; attempt < 100; attempt++)
        {
            var suffix = new string(Enumerable.Range(0, 5).Select(_ => alphabet[Random.Shared.Next(alphabet.Length)]).ToArray());
            var candidate = prefix + suffix;
            if (Store.Get(type.StorageKey, Store.Key(ns, candidate)) == null) return candidate;
        }
        throw ApiError.AlreadyExists(type.Plural, type.Group, prefix);
    }

    static void CheckTypeMeta(ResourceType type, JsonObject body)
    {
        var kind = (string?)body["kind"];
        var apiVersion = (string?)body["apiVersion"];
        if (kind != null && kind != type.Kind)
            throw ApiError.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        if (apiVersion != null && apiVersion != type.ApiVersion)
            throw ApiError.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion})");
        body["kind"] = type.Kind;
        body["apiVersion"] = type.ApiVersion;
    }

    /// <summary>Schema defaulting/pruning/validation, kind defaults and checks; returns the storage shape.</summary>
    JsonObject Prepare(ResourceType type, JsonObject served, JsonObject? oldStored, WriteOptions o)
    {
        var errors = new List<FieldError>();
        if (type.Schema != null)
        {
            var unknown = SchemaValidator.DefaultAndPrune(served, type.Schema);
            if (unknown.Count > 0)
            {
                if (o.FieldValidation == "Strict")
                    throw ApiError.BadRequest($"{type.Kind} in version \"{type.Version}\" cannot be handled as a {type.Kind}: strict decoding error: "
                        + string.Join(", ", unknown.Select(u => $"unknown field \"{u}\"")));
                if (o.FieldValidation == "Warn") o.Warnings.AddRange(unknown.Select(u => $"unknown field \"{u}\""));
            }
            errors.AddRange(SchemaValidator.Validate(served, type.Schema));
        }
        var stored = type.Behavior.ToStorage(served);
        type.Behavior.PrepareForWrite(stored, oldStored);
        errors.AddRange(type.Behavior.Validate(stored, oldStored));
        if (errors.Count > 0)
            throw ApiError.Invalid(type.Kind, type.Group, Json.Str(stored, "metadata", "name") ?? "", errors);
        return stored;
    }

    public WriteResult Update(Target t, JsonObject body, WriteOptions o, bool resourceVersionOptional = false)
    {
        lock (Store.Lock)
        {
            CheckTypeMeta(t.Type, body);
            var md = Json.Metadata(body);
            if ((string?)md["name"] is { } bodyName && bodyName != t.Name)
                throw ApiError.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({t.Name})");
            if ((string?)md["namespace"] is { } bodyNs && t.Type.Namespaced && bodyNs != t.Namespace)
                throw ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            var key = Store.Key(t.Namespace, t.Name!);
            var old = Store.Get(t.Type.StorageKey, key) ?? throw ApiError.NotFound(t.Type.Plural, t.Type.Group, t.Name!);
            if (Faults.TakeWriteFailure(t.Type, t.Name!) is { } fault) throw fault;
            var rv = (string?)md["resourceVersion"];
            if (string.IsNullOrEmpty(rv))
            {
                if (t.Type.RequiresResourceVersionOnUpdate && !resourceVersionOptional)
                    throw ApiError.Invalid(t.Type.Kind, t.Type.Group, t.Name!, [FieldError.Invalid("metadata.resourceVersion", "0x0", "must be specified for an update")]);
            }
            else if (rv != Json.Str(old, "metadata", "resourceVersion"))
                throw ApiError.Conflict(t.Type.Plural, t.Type.Group, t.Name!);
            if ((string?)md["uid"] is { Length: > 0 } sentUid && Json.Str(old, "metadata", "uid") is { } storedUid && sentUid != storedUid)
                throw ApiError.UidPrecondition(t.Type.Plural, t.Type.Group, t.Name!, sentUid, storedUid);

            var oldServed = t.Type.Behavior.FromStorage(old);
            var oldMd = oldServed["metadata"]!.AsObject();
            JsonObject merged;
            if (t.Subresource == "status")
            {
                merged = (JsonObject)oldServed.DeepClone();
                if (body["status"] is { } st) merged["status"] = st.DeepClone(); else merged.Remove("status");
                // The status strategies of the built-in types with status that purelb writes or reads (Service, Node,
                // Namespace) reset only the spec: labels and annotations sent to /status are stored, as on a
                // main-resource update. (A Pod's also keeps its owner references; nothing here writes pods/status.)
                // Custom resources' status writes never touch metadata (ResetObjectMetaForStatus).
                if (!t.Type.IsCustom && !Faults.StatusWritesDropMetadata)
                {
                    KeepSystemMetadata(md, oldMd);
                    body.Remove("metadata");
                    merged["metadata"] = md;
                }
            }
            else
            {
                merged = body;
                KeepSystemMetadata(md, oldMd);
                if (t.Type.HasStatus)
                {
                    if (oldServed["status"] is { } st) merged["status"] = st.DeepClone(); else merged.Remove("status");
                }
                if (t.Type.TracksGeneration && SpecChanged(oldServed, merged, t.Type.HasStatus))
                    md["generation"] = (oldMd["generation"] is { } g ? Json.Int(g) : 0) + 1;
            }
            Json.Metadata(merged)["resourceVersion"] = Json.Str(old, "metadata", "resourceVersion");
            var stored = Prepare(t.Type, merged, old, o);
            if (JsonNode.DeepEquals(stored, old)) return new WriteResult(200, t.Type.Behavior.FromStorage(old));
            if (o.DryRun) return new WriteResult(200, t.Type.Behavior.FromStorage(stored));
            bool finalize = stored["metadata"]?["deletionTimestamp"] != null && !(stored["metadata"]?["finalizers"] is JsonArray f && f.Count > 0);
            if (finalize)
            {
                var gone = Store.Commit(t.Type.StorageKey, key, null);
                AfterCommit(t.Type, null, old);
                return new WriteResult(200, t.Type.Behavior.FromStorage(gone.Object));
            }
            Store.Commit(t.Type.StorageKey, key, stored);
            AfterCommit(t.Type, stored, old);
            return new WriteResult(200, t.Type.Behavior.FromStorage(stored));
        }
    }

    /// <summary>Fields an update never changes, whatever the client sent.</summary>
    static void KeepSystemMetadata(JsonObject md, JsonObject oldMd)
    {
        foreach (var keep in new[] { "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace", "name" })
        {
            if (oldMd[keep] != null) md[keep] = oldMd[keep]!.DeepClone(); else md.Remove(keep);
        }
    }

    // Every top-level field but metadata (and status, where it is a subresource), compared in place: this runs on
    // every update, and copying both whole objects to drop two fields was two of the update's several deep copies.
    static bool SpecChanged(JsonObject oldObj, JsonObject newObj, bool hasStatus)
    {
        bool Counts(string name) => name != "metadata" && !(hasStatus && name == "status");
        int compared = 0;
        foreach (var (name, value) in newObj)
        {
            if (!Counts(name)) continue;
            if (!oldObj.TryGetPropertyValue(name, out var before) || !JsonNode.DeepEquals(before, value)) return true;
            compared++;
        }
        return oldObj.Count(p => Counts(p.Key)) != compared;
    }

    public WriteResult Patch(Target t, string contentType, JsonNode? patch, WriteOptions o)
    {
        lock (Store.Lock)
        {
            var old = Store.Get(t.Type.StorageKey, Store.Key(t.Namespace, t.Name!))
                      ?? throw ApiError.NotFound(t.Type.Plural, t.Type.Group, t.Name!);
            var current = t.Type.Behavior.FromStorage(old);
            JsonNode? result = contentType switch
            {
                "application/merge-patch+json" => Patching.MergePatch(current, patch),
                "application/json-patch+json" => Patching.ApplyJsonPatch(current, patch),
                "application/strategic-merge-patch+json" when t.Type.IsCustom =>
                    throw new ApiError(415, "UnsupportedMediaType", "strategic merge patch is not supported for custom resources; use --type merge or --type json"),
                "application/strategic-merge-patch+json" => Patching.StrategicMergePatch(current, patch),
                "application/apply-patch+yaml" or "application/apply-patch+cbor" =>
                    throw new ApiError(415, "UnsupportedMediaType", "server-side apply is not supported by this server; use client-side apply"),
                _ => throw new ApiError(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json"),
            };
            if (result is not JsonObject obj) throw ApiError.BadRequest("the patch did not produce an object");
            return Update(t, obj, o, resourceVersionOptional: true);
        }
    }

    public WriteResult Delete(Target t, JsonObject? deleteOptions, WriteOptions o)
    {
        lock (Store.Lock)
        {
            var key = Store.Key(t.Namespace, t.Name!);
            var old = Store.Get(t.Type.StorageKey, key) ?? throw ApiError.NotFound(t.Type.Plural, t.Type.Group, t.Name!);
            if (Faults.TakeWriteFailure(t.Type, t.Name!) is { } fault) throw fault;
            if (deleteOptions?["preconditions"] is JsonObject pre)
            {
                var uid = Json.Str(old, "metadata", "uid");
                if ((string?)pre["uid"] is { } wantUid && wantUid != uid)
                    throw new ApiError(409, "Conflict", $"Operation cannot be fulfilled on {t.Type.Plural} \"{t.Name}\": Precondition failed: UID in precondition: {wantUid}, UID in object meta: {uid}");
                if ((string?)pre["resourceVersion"] is { } wantRv && wantRv != Json.Str(old, "metadata", "resourceVersion"))
                    throw new ApiError(409, "Conflict", $"Operation cannot be fulfilled on {t.Type.Plural} \"{t.Name}\": Precondition failed: ResourceVersion in precondition: {wantRv}, ResourceVersion in object meta: {Json.Str(old, "metadata", "resourceVersion")}");
            }
            if (old["metadata"]?["finalizers"] is JsonArray fin && fin.Count > 0)
            {
                if (old["metadata"]!["deletionTimestamp"] != null) return new WriteResult(200, t.Type.Behavior.FromStorage(old));
                var marked = (JsonObject)old.DeepClone();
                marked["metadata"]!["deletionTimestamp"] = Now();
                marked["metadata"]!["deletionGracePeriodSeconds"] = 0;
                if (o.DryRun) return new WriteResult(200, t.Type.Behavior.FromStorage(marked));
                Store.Commit(t.Type.StorageKey, key, marked);
                return new WriteResult(200, t.Type.Behavior.FromStorage(marked));
            }
            if (o.DryRun) return new WriteResult(200, t.Type.Behavior.FromStorage(old));
            var entry = Store.Commit(t.Type.StorageKey, key, null);
            AfterCommit(t.Type, null, old);
            if (t.Type.IsCustom) return new WriteResult(200, t.Type.Behavior.FromStorage(entry.Object));
            var details = new JsonObject { ["name"] = t.Name, ["group"] = t.Type.Group, ["kind"] = t.Type.Plural, ["uid"] = Json.Str(old, "metadata", "uid") };
            return new WriteResult(200, ApiError.Status(200, "", "", details));
        }
    }

    public JsonObject DeleteCollection(Target t, ListOptions list, WriteOptions o)
    {
        lock (Store.Lock)
        {
            var items = List(t, list with { Limit = 0, Continue = null });
            var deleted = new JsonArray();
            foreach (var item in items.Items)
            {
                var md = item["metadata"]!;
                Delete(t with { Name = (string)md["name"]!, Namespace = (string?)md["namespace"] }, null, o);
                deleted.Add(item);
            }
            return new JsonObject
            {
                ["kind"] = t.Type.Kind + "List", ["apiVersion"] = t.Type.ApiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = Store.ResourceVersion.ToString() }, ["items"] = deleted,
            };
        }
    }

    /// <summary>Side effects of a committed change: CRDs (un)register kinds, namespaces take their contents along.</summary>
    void AfterCommit(ResourceType type, JsonObject? stored, JsonObject? old)
    {
        type.Behavior.AfterCommit(stored, old);
        if (type.Plural == "customresourcedefinitions" && type.Group == "apiextensions.k8s.io")
        {
            var crd = stored ?? old!;
            var group = (string)crd["spec"]!["group"]!;
            var plural = (string)crd["spec"]!["names"]!["plural"]!;
            Registry.RemoveWhere(r => r.IsCustom && r.Group == group && r.Plural == plural);
            if (stored != null)
                foreach (var rt in CrdBehavior.TypesOf(stored, Clock)) Registry.Add(rt);
            else
                foreach (var (key, _) in Store.All($"{group}/{plural}").ToList())
                    Store.Commit($"{group}/{plural}", key, null);
        }
        else if (type.Plural == "namespaces" && type.Group == "" && stored == null)
        {
            var ns = Json.Str(old, "metadata", "name");
            foreach (var rt in Registry.Types.Where(r => r.Namespaced).GroupBy(r => r.StorageKey).Select(g => g.First()).ToList())
                foreach (var (key, obj) in Store.All(rt.StorageKey).ToList())
                    if (Json.Str(obj, "metadata", "namespace") == ns)
                    {
                        Store.Commit(rt.StorageKey, key, null);
                        rt.Behavior.AfterCommit(null, obj);
                    }
        }
    }
}
