using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace KubeApiServer;

/// <summary>
/// /version, legacy discovery (/api, /apis, per group and group-version) and OpenAPI v3 documents with
/// enough in them for kubectl: a PATCH operation per kind that accepts fieldValidation (so kubectl leaves
/// validation to this server), and CRD schemas (so `kubectl explain` works on custom resources).
/// </summary>
public sealed class Discovery(ApiServer server)
{
    public const string GitVersion = "v1.32.0";

    public async Task<bool> TryHandleAsync(HttpContext ctx, string path)
    {
        var trimmed = path.TrimEnd('/');
        if (trimmed == "") trimmed = "/";
        JsonNode? body = null;
        lock (server.Store.Lock)
        {
            var segs = trimmed.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (trimmed == "/version") body = Version();
            else if (trimmed == "/") body = Root();
            else if (trimmed == "/api") body = ApiVersions(ctx);
            else if (trimmed == "/apis") body = GroupList();
            else if (segs.Length == 2 && segs[0] == "api") body = ResourceList("", segs[1]);
            else if (segs.Length == 2 && segs[0] == "apis") body = Group(segs[1]);
            else if (segs.Length == 3 && segs[0] == "apis") body = ResourceList(segs[1], segs[2]);
            else if (trimmed == "/openapi/v3") body = OpenApiRoot();
            else if (segs.Length >= 3 && segs[0] == "openapi" && segs[1] == "v3")
            {
                var gv = string.Join('/', segs.Skip(2));
                body = OpenApiGroupVersion(gv) ?? throw new ApiError(404, "NotFound", "the server could not find the requested resource", new JsonObject());
            }
            else if (trimmed is "/openapi/v2" or "/swagger.json")
                throw new ApiError(404, "NotFound", "the server could not find the requested resource (OpenAPI v2 is not served; use /openapi/v3)", new JsonObject());
            else return false;
        }
        if (body == null) throw new ApiError(404, "NotFound", "the server could not find the requested resource", new JsonObject());
        await HttpApi.WriteJsonAsync(ctx, body);
        return true;
    }

    static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = GitVersion,
        ["gitCommit"] = "purelb-kubeapiserver",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "dotnet" + Environment.Version,
        ["compiler"] = "dotnet",
        ["platform"] = "linux/" + (System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "amd64"),
    };

    JsonObject Root()
    {
        var paths = new JsonArray("/api", "/api/v1", "/apis", "/healthz", "/livez", "/openapi/v3", "/readyz", "/version");
        foreach (var g in server.Registry.Groups())
        {
            paths.Add($"/apis/{g}");
            foreach (var v in server.Registry.Versions(g)) paths.Add($"/apis/{g}/{v}");
        }
        return new JsonObject { ["paths"] = paths };
    }

    static JsonObject ApiVersions(HttpContext ctx) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject
        {
            ["clientCIDR"] = "0.0.0.0/0",
            ["serverAddress"] = $"{ctx.Connection.LocalIpAddress}:{ctx.Connection.LocalPort}",
        }),
    };

    JsonObject GroupObject(string group)
    {
        var versions = server.Registry.Versions(group);
        var arr = new JsonArray();
        foreach (var v in versions) arr.Add(new JsonObject { ["groupVersion"] = $"{group}/{v}", ["version"] = v });
        return new JsonObject
        {
            ["name"] = group,
            ["versions"] = arr,
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{group}/{versions[0]}", ["version"] = versions[0] },
        };
    }

    JsonObject GroupList()
    {
        var groups = new JsonArray();
        foreach (var g in server.Registry.Groups()) groups.Add(GroupObject(g));
        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    JsonObject? Group(string group)
    {
        if (!server.Registry.Groups().Contains(group)) return null;
        var g = GroupObject(group);
        g["kind"] = "APIGroup";
        g["apiVersion"] = "v1";
        return g;
    }

    JsonObject? ResourceList(string group, string version)
    {
        var types = server.Registry.InGroupVersion(group, version).ToList();
        if (types.Count == 0) return null;
        var resources = new JsonArray();
        foreach (var t in types)
        {
            var r = new JsonObject
            {
                ["name"] = t.Plural,
                ["singularName"] = t.Singular,
                ["namespaced"] = t.Namespaced,
                ["kind"] = t.Kind,
                ["verbs"] = new JsonArray(t.Verbs.Select(v => (JsonNode?)v).ToArray()),
            };
            if (t.ShortNames.Length > 0) r["shortNames"] = new JsonArray(t.ShortNames.Select(v => (JsonNode?)v).ToArray());
            if (t.Categories.Length > 0) r["categories"] = new JsonArray(t.Categories.Select(v => (JsonNode?)v).ToArray());
            r["storageVersionHash"] = Hash(t.StorageKey)[..11];
            resources.Add(r);
            if (t.HasStatus)
                resources.Add(new JsonObject
                {
                    ["name"] = t.Plural + "/status", ["singularName"] = "", ["namespaced"] = t.Namespaced, ["kind"] = t.Kind,
                    ["verbs"] = new JsonArray("get", "patch", "update"),
                });
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    IEnumerable<string> GroupVersionPaths()
    {
        yield return "api/v1";
        foreach (var g in server.Registry.Groups())
            foreach (var v in server.Registry.Versions(g)) yield return $"apis/{g}/{v}";
    }

    JsonObject OpenApiRoot()
    {
        var paths = new JsonObject();
        foreach (var gv in GroupVersionPaths())
        {
            var doc = OpenApiGroupVersion(gv)!;
            paths[gv] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{gv}?hash={Hash(Json.Serialize(doc))}" };
        }
        return new JsonObject { ["paths"] = paths };
    }

    JsonObject? OpenApiGroupVersion(string gv)
    {
        string group, version;
        var parts = gv.Split('/');
        if (parts.Length == 2 && parts[0] == "api") { group = ""; version = parts[1]; }
        else if (parts.Length == 3 && parts[0] == "apis") { group = parts[1]; version = parts[2]; }
        else return null;
        var types = server.Registry.InGroupVersion(group, version).ToList();
        if (types.Count == 0) return null;
        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var t in types)
        {
            var gvk = new JsonObject { ["group"] = t.Group, ["version"] = t.Version, ["kind"] = t.Kind };
            var nsPart = t.Namespaced ? "/namespaces/{namespace}" : "";
            var collection = $"{t.PathPrefix}{nsPart}/{t.Plural}";
            var item = collection + "/{name}";
            paths[collection] = new JsonObject
            {
                ["get"] = Operation("list", t, gvk),
                ["post"] = Operation("post", t, gvk),
                ["delete"] = Operation("deletecollection", t, gvk),
            };
            paths[item] = new JsonObject
            {
                ["get"] = Operation("get", t, gvk),
                ["put"] = Operation("put", t, gvk),
                ["patch"] = Operation("patch", t, gvk),
                ["delete"] = Operation("delete", t, gvk),
            };
            if (t.HasStatus)
                paths[item + "/status"] = new JsonObject
                {
                    ["get"] = Operation("get", t, gvk),
                    ["put"] = Operation("put", t, gvk),
                    ["patch"] = Operation("patch", t, gvk),
                };
            if (t.Schema != null)
            {
                var s = (JsonObject)t.Schema.DeepClone();
                s["x-kubernetes-group-version-kind"] = new JsonArray(gvk.DeepClone());
                var reversed = string.Join('.', t.Group.Split('.').Reverse());
                schemas[$"{reversed}.{t.Version}.{t.Kind}"] = s;
            }
        }
        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes", ["version"] = GitVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    static JsonObject Operation(string action, ResourceType t, JsonObject gvk)
    {
        var parameters = new JsonArray();
        if (action is "post" or "put" or "patch")
        {
            parameters.Add(new JsonObject { ["name"] = "fieldValidation", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } });
            parameters.Add(new JsonObject { ["name"] = "dryRun", ["in"] = "query", ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true } });
        }
        return new JsonObject
        {
            ["operationId"] = $"{action}{t.Kind}",
            ["parameters"] = parameters,
            ["responses"] = new JsonObject { ["200"] = new JsonObject { ["description"] = "OK" } },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
        };
    }
}
