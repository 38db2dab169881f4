using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Primitives;

namespace Purelb.Tests.Fakes.FakeNetbox;

public sealed record FakeResponse(int Status, JsonNode? Body, string? ETag = null);

/// <summary>
/// The REST semantics of the fake (bgp-and-ipam.md §4.4): routes, filters, pagination,
/// available-ips, ETags. Pure request → response over the store; the HTTP plumbing is in
/// <see cref="FakeNetboxServer"/>.
/// </summary>
internal sealed partial class FakeNetboxApi(FakeNetboxStore store, Func<bool> etagSupport)
{
    private static readonly string[] Statuses = ["active", "reserved", "deprecated", "dhcp", "slaac"];

    public FakeResponse Handle(string method, string path, IReadOnlyDictionary<string, StringValues> query, string body,
        string? ifMatch, string baseUrl, bool writeAllowed)
    {
        if (method is "POST" or "PATCH" or "PUT" or "DELETE" && !writeAllowed)
            return Error(403, "You do not have permission to perform this action.");

        JsonNode? json = null;
        if (body.Length > 0)
        {
            try
            {
                json = JsonNode.Parse(body);
            }
            catch (JsonException e)
            {
                return Error(400, "JSON parse error - " + e.Message);
            }
        }

        string[] parts = path.Trim('/').Split('/');
        lock (store.Lock)
        {
            return (method, parts) switch
            {
                ("GET", ["api", "status"]) => new FakeResponse(200, new JsonObject { ["netbox-version"] = "4.6.8", ["python-version"] = "3.12.3" }),
                ("GET", ["api", "ipam", "ip-addresses"]) => ListIps(query, baseUrl, path),
                ("POST", ["api", "ipam", "ip-addresses"]) => CreateIp(json),
                ("GET", ["api", "ipam", "ip-addresses", var id]) => WithIp(id, r => IpReply(200, r)),
                ("PATCH", ["api", "ipam", "ip-addresses", var id]) => WithIp(id, r => PatchIp(r, json, ifMatch)),
                ("DELETE", ["api", "ipam", "ip-addresses", var id]) => WithIp(id, DeleteIp),
                ("GET", ["api", "ipam", "prefixes"]) => ListPrefixes(query, baseUrl, path),
                ("GET", ["api", "ipam", "prefixes", var id]) => WithPrefix(id, p => new FakeResponse(200, PrefixJson(p))),
                ("GET", ["api", "ipam", "prefixes", var id, "available-ips"]) => WithPrefix(id, p => ListAvailable(p, query)),
                ("POST", ["api", "ipam", "prefixes", var id, "available-ips"]) => WithPrefix(id, p => CreateAvailable(p, json)),
                _ => Error(404, "Not found."),
            };
        }
    }

    // ---- ip-addresses ----

    private FakeResponse ListIps(IReadOnlyDictionary<string, StringValues> query, string baseUrl, string path)
    {
        IEnumerable<FakeIpAddress> rows = store.Ips;
        if (query.TryGetValue("tenant", out var slugs))
        {
            var ids = new List<int>();
            foreach (var slug in slugs)
            {
                var tenant = store.TenantBySlug(slug);
                if (tenant is null)
                    return Fields(400, "tenant", $"Select a valid choice. {slug} is not one of the available choices.");
                ids.Add(tenant.Id);
            }
            rows = rows.Where(r => r.TenantId is { } t && ids.Contains(t));
        }
        if (query.TryGetValue("tenant_id", out var tenantIds))
            rows = rows.Where(r => tenantIds.Contains(r.TenantId?.ToString()));
        if (query.TryGetValue("status", out var statuses))
        {
            foreach (var s in statuses)
            {
                if (!Statuses.Contains(s))
                    return Fields(400, "status", $"Select a valid choice. {s} is not one of the available choices.");
            }
            rows = rows.Where(r => statuses.Contains(r.Status));
        }
        if (query.TryGetValue("family", out var families))
            rows = rows.Where(r => families.Contains(r.Family.ToString()));
        if (query.TryGetValue("vrf_id", out var vrfs))
            rows = rows.Where(r => vrfs.Contains(r.VrfId?.ToString() ?? "null"));
        if (query.TryGetValue("description", out var descriptions))
            rows = rows.Where(r => descriptions.Contains(r.Description));
        if (query.TryGetValue("address", out var addresses))
        {
            var hosts = new List<IPAddress>();
            foreach (var a in addresses)
            {
                string host = a!.Contains('/') ? a[..a.IndexOf('/')] : a;
                if (!IPAddress.TryParse(host, out var ip))
                    return Fields(400, "address", $"Enter a valid IPv4 or IPv6 address: {a}");
                hosts.Add(ip);
            }
            rows = rows.Where(r => hosts.Contains(r.Ip));
        }
        if (query.TryGetValue("parent", out var parents))
        {
            var networks = new List<IPNetwork>();
            foreach (var p in parents)
            {
                if (!IPNetwork.TryParse(p, out var n))
                    return Fields(400, "parent", $"Invalid prefix: {p}");
                networks.Add(n);
            }
            rows = rows.Where(r => networks.Any(n => n.Contains(r.Ip)));
        }
        var list = rows.ToList();
        list.Sort(IpMath.Compare);
        return Page(list, IpJson, query, baseUrl, path);
    }

    private FakeResponse CreateIp(JsonNode? json)
    {
        if (json is not JsonObject obj)
            return Error(400, "Expected a JSON object.");
        if (obj["address"]?.GetValue<string>() is not { } address || !TryParseAddress(address, out var ip, out int length))
            return Fields(400, "address", "Enter a valid IPv4 or IPv6 address with optional mask.");
        var now = store.Now();
        var record = new FakeIpAddress { Id = 0, Ip = ip, PrefixLength = length, Created = now, LastUpdated = now };
        var (applied, error) = Apply(record, obj);
        if (error is not null)
            return error;
        if (store.IsDuplicate(applied!.Ip, applied.VrfId, 0))
            return Fields(400, "address", $"Duplicate IP address found in global table: {applied.Address}");
        applied = applied with { Id = store.NextId() };
        store.Ips.Add(applied);
        return IpReply(201, applied);
    }

    private FakeResponse PatchIp(FakeIpAddress record, JsonNode? json, string? ifMatch)
    {
        if (json is not JsonObject obj)
            return Error(400, "Expected a JSON object.");
        if (etagSupport() && ifMatch is not null && ifMatch != "*" && ifMatch != record.ETag)
            return Error(412, "Precondition failed: the object has been modified.");
        var (applied, error) = Apply(record, obj);
        if (error is not null)
            return error;
        if (store.IsDuplicate(applied!.Ip, applied.VrfId, applied.Id))
            return Fields(400, "address", $"Duplicate IP address found in global table: {applied.Address}");
        applied = applied with { Version = record.Version + 1, LastUpdated = store.Now() };
        store.Ips[store.Ips.FindIndex(r => r.Id == record.Id)] = applied;
        return IpReply(200, applied);
    }

    private FakeResponse DeleteIp(FakeIpAddress record)
    {
        store.Ips.RemoveAll(r => r.Id == record.Id);
        return new FakeResponse(204, null);
    }

    /// <summary>Writable fields shared by create, patch and available-ips.</summary>
    private (FakeIpAddress?, FakeResponse?) Apply(FakeIpAddress record, JsonObject obj)
    {
        foreach (var (name, value) in obj)
        {
            switch (name)
            {
                case "address":
                    if (value?.GetValue<string>() is not { } a || !TryParseAddress(a, out var ip, out int length))
                        return (null, Fields(400, "address", "Enter a valid IPv4 or IPv6 address with optional mask."));
                    record = record with { Ip = ip, PrefixLength = length };
                    break;
                case "status":
                    string? status = value?.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;
                    if (status is null || !Statuses.Contains(status))
                        return (null, Fields(400, "status", $"\"{value?.ToJsonString()}\" is not a valid choice."));
                    record = record with { Status = status };
                    break;
                case "tenant":
                    if (value is null)
                    {
                        record = record with { TenantId = null };
                        break;
                    }
                    var tenant = value.GetValueKind() switch
                    {
                        JsonValueKind.Number => store.Tenants.FirstOrDefault(t => t.Id == value.GetValue<int>()),
                        JsonValueKind.Object => store.Tenants.FirstOrDefault(t =>
                            (value["slug"] is null || t.Slug == value["slug"]!.GetValue<string>())
                            && (value["id"] is null || t.Id == value["id"]!.GetValue<int>())
                            && (value["name"] is null || t.Name == value["name"]!.GetValue<string>())),
                        _ => null,
                    };
                    if (tenant is null)
                        return (null, Fields(400, "tenant", $"Related object not found using the provided attributes: {value.ToJsonString()}"));
                    record = record with { TenantId = tenant.Id };
                    break;
                case "description":
                    string description = value?.GetValue<string>() ?? "";
                    if (description.Length > 200)
                        return (null, Fields(400, "description", "Ensure this field has no more than 200 characters."));
                    record = record with { Description = description };
                    break;
                case "dns_name":
                    string dns = value?.GetValue<string>() ?? "";
                    if (dns.Length > 0 && !DnsNamePattern().IsMatch(dns))
                        return (null, Fields(400, "dns_name", "Only alphanumeric characters, asterisks, hyphens, periods, and underscores are allowed in DNS names"));
                    record = record with { DnsName = dns };
                    break;
                case "prefix_length":
                case "tags":
                case "custom_fields":
                case "comments":
                case "role":
                    break;
                default:
                    break; // Netbox ignores unknown fields in writes.
            }
        }
        return (record, null);
    }

    // ---- prefixes ----

    private FakeResponse ListPrefixes(IReadOnlyDictionary<string, StringValues> query, string baseUrl, string path)
    {
        IEnumerable<FakePrefix> rows = store.Prefixes;
        if (query.TryGetValue("prefix", out var cidrs))
            rows = rows.Where(p => cidrs.Contains(p.Network.ToString()));
        if (query.TryGetValue("vrf_id", out var vrfs))
            rows = rows.Where(p => vrfs.Contains(p.VrfId?.ToString() ?? "null"));
        if (query.TryGetValue("tenant", out var slugs))
            rows = rows.Where(p => store.Tenants.Any(t => t.Id == p.TenantId && slugs.Contains(t.Slug)));
        return Page(rows.OrderBy(p => p.VrfId ?? 0).ThenBy(p => IpMath.ToInt(p.Network.BaseAddress)).ToList(), PrefixJson, query, baseUrl, path);
    }

    private FakeResponse ListAvailable(FakePrefix prefix, IReadOnlyDictionary<string, StringValues> query)
    {
        int limit = Math.Clamp(IntParam(query, "limit") ?? 50, 1, 1000);
        var array = new JsonArray();
        foreach (var ip in store.Available(prefix).Take(limit))
            array.Add(new JsonObject { ["family"] = Family(ip), ["address"] = $"{ip}/{prefix.Network.PrefixLength}", ["vrf"] = null });
        return new FakeResponse(200, array);
    }

    private FakeResponse CreateAvailable(FakePrefix prefix, JsonNode? json)
    {
        var requests = json switch
        {
            JsonObject o => [o],
            JsonArray a => a.OfType<JsonObject>().ToList(),
            _ => null,
        };
        if (requests is null || requests.Count == 0)
            return Error(400, "Expected an object or a list of objects.");
        var free = store.Available(prefix).Take(requests.Count).ToList();
        if (free.Count < requests.Count)
            return Error(409, "Insufficient resources are available to satisfy the request");

        var created = new List<FakeIpAddress>();
        var now = store.Now();
        for (int i = 0; i < requests.Count; i++)
        {
            int length = prefix.Network.PrefixLength;
            if (requests[i]["prefix_length"] is { } pl)
            {
                length = pl.GetValue<int>();
                int max = free[i].AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
                if (length < prefix.Network.PrefixLength || length > max)
                    return Fields(400, "prefix_length", $"Invalid prefix length ({length}) for this prefix");
            }
            var fields = (JsonObject)requests[i].DeepClone();
            fields.Remove("address");
            var record = new FakeIpAddress { Id = 0, Ip = free[i], PrefixLength = length, VrfId = prefix.VrfId, Created = now, LastUpdated = now };
            var (applied, error) = Apply(record, fields);
            if (error is not null)
                return error;
            created.Add(applied!);
        }
        foreach (var record in created)
            store.Ips.Add(record with { Id = store.NextId() });
        var stored = store.Ips.TakeLast(created.Count).ToList();
        if (json is JsonObject)
            return IpReply(201, stored[0]);
        return new FakeResponse(201, new JsonArray(stored.Select(r => (JsonNode?)IpJson(r)).ToArray()));
    }

    // ---- rendering ----

    private FakeResponse IpReply(int status, FakeIpAddress record) =>
        new(status, IpJson(record), etagSupport() ? record.ETag : null);

    private JsonObject IpJson(FakeIpAddress r)
    {
        var tenant = store.Tenants.FirstOrDefault(t => t.Id == r.TenantId);
        return new JsonObject
        {
            ["id"] = r.Id,
            ["url"] = $"/api/ipam/ip-addresses/{r.Id}/",
            ["display"] = r.Address,
            ["family"] = new JsonObject { ["value"] = r.Family, ["label"] = $"IPv{r.Family}" },
            ["address"] = r.Address,
            ["vrf"] = r.VrfId is { } v ? new JsonObject { ["id"] = v, ["name"] = $"vrf{v}" } : null,
            ["tenant"] = tenant is null ? null : new JsonObject
            {
                ["id"] = tenant.Id, ["url"] = $"/api/tenancy/tenants/{tenant.Id}/", ["display"] = tenant.Name,
                ["name"] = tenant.Name, ["slug"] = tenant.Slug,
            },
            ["status"] = new JsonObject { ["value"] = r.Status, ["label"] = char.ToUpperInvariant(r.Status[0]) + r.Status[1..] },
            ["role"] = null,
            ["assigned_object_type"] = null,
            ["assigned_object_id"] = null,
            ["nat_inside"] = null,
            ["nat_outside"] = new JsonArray(),
            ["dns_name"] = r.DnsName,
            ["description"] = r.Description,
            ["comments"] = "",
            ["tags"] = new JsonArray(),
            ["custom_fields"] = new JsonObject(),
            ["created"] = r.Created.ToString("O"),
            ["last_updated"] = r.LastUpdated.ToString("O"),
        };
    }

    private JsonObject PrefixJson(FakePrefix p)
    {
        var tenant = store.Tenants.FirstOrDefault(t => t.Id == p.TenantId);
        int family = p.Network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6 ? 6 : 4;
        return new JsonObject
        {
            ["id"] = p.Id,
            ["url"] = $"/api/ipam/prefixes/{p.Id}/",
            ["display"] = p.Network.ToString(),
            ["family"] = new JsonObject { ["value"] = family, ["label"] = $"IPv{family}" },
            ["prefix"] = p.Network.ToString(),
            ["vrf"] = p.VrfId is { } v ? new JsonObject { ["id"] = v, ["name"] = $"vrf{v}" } : null,
            ["tenant"] = tenant is null ? null : new JsonObject { ["id"] = tenant.Id, ["name"] = tenant.Name, ["slug"] = tenant.Slug },
            ["status"] = new JsonObject { ["value"] = p.Status, ["label"] = "Active" },
            ["is_pool"] = p.IsPool,
            ["mark_utilized"] = false,
        };
    }

    private static FakeResponse Page<T>(List<T> rows, Func<T, JsonObject> render, IReadOnlyDictionary<string, StringValues> query,
        string baseUrl, string path)
    {
        int limit = Math.Clamp(IntParam(query, "limit") ?? 50, 1, 1000);
        int offset = Math.Max(IntParam(query, "offset") ?? 0, 0);
        var results = new JsonArray(rows.Skip(offset).Take(limit).Select(r => (JsonNode?)render(r)).ToArray());
        string Link(int o)
        {
            var pairs = query.Where(kv => kv.Key is not ("limit" or "offset"))
                .SelectMany(kv => kv.Value.Select(v => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(v ?? "")}"))
                .Append($"limit={limit}").Append($"offset={o}");
            return $"{baseUrl}{path}?{string.Join('&', pairs)}";
        }
        return new FakeResponse(200, new JsonObject
        {
            ["count"] = rows.Count,
            ["next"] = offset + limit < rows.Count ? Link(offset + limit) : null,
            ["previous"] = offset > 0 ? Link(Math.Max(offset - limit, 0)) : null,
            ["results"] = results,
        });
    }

    private FakeResponse WithIp(string id, Func<FakeIpAddress, FakeResponse> then) =>
        int.TryParse(id, out int n) && store.Ips.FirstOrDefault(r => r.Id == n) is { } record ? then(record) : Error(404, "No IPAddress matches the given query.");

    private FakeResponse WithPrefix(string id, Func<FakePrefix, FakeResponse> then) =>
        int.TryParse(id, out int n) && store.Prefixes.FirstOrDefault(p => p.Id == n) is { } prefix ? then(prefix) : Error(404, "No Prefix matches the given query.");

    private static int? IntParam(IReadOnlyDictionary<string, StringValues> query, string name) =>
        query.TryGetValue(name, out var v) && int.TryParse(v.ToString(), out int n) ? n : null;

    private static int Family(IPAddress ip) => ip.AddressFamily == AddressFamily.InterNetworkV6 ? 6 : 4;

    private static bool TryParseAddress(string text, out IPAddress ip, out int length)
    {
        ip = IPAddress.None;
        length = 0;
        int slash = text.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(text[..slash], out var parsed) || !int.TryParse(text[(slash + 1)..], out length))
            return false;
        ip = parsed;
        return length >= 0 && length <= (ip.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32);
    }

    internal static FakeResponse Error(int status, string detail) => new(status, new JsonObject { ["detail"] = detail });

    private static FakeResponse Fields(int status, string field, string message) =>
        new(status, new JsonObject { [field] = new JsonArray(message) });

    [GeneratedRegex(@"^([0-9A-Za-z_-]+|\*)(\.[0-9A-Za-z_-]+)*\.?$")]
    private static partial Regex DnsNamePattern();
}
