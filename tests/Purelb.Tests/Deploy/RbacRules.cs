namespace Purelb.Tests.Deploy;

/// <summary>One API call as RBAC sees it.</summary>
public sealed record ApiCall(string Verb, string Group, string Resource, string? Namespace)
{
    /// <summary>Turns a REST path and method into the verb, group, resource (with "/subresource") and namespace RBAC checks.</summary>
    public static ApiCall? FromRequest(string method, string path, bool watch)
    {
        var s = path.Trim('/').Split('/');
        int i;
        string group;
        if (s.Length >= 2 && s[0] == "api") { group = ""; i = 2; }
        else if (s.Length >= 3 && s[0] == "apis") { group = s[1]; i = 3; }
        else return null; // discovery, version, health
        var rest = s[i..];
        if (rest.Length == 0) return null;
        string? ns = null;
        if (rest.Length >= 3 && rest[0] == "namespaces") { ns = rest[1]; rest = rest[2..]; }
        var resource = rest[0];
        var named = rest.Length >= 2;
        if (rest.Length >= 3) resource += "/" + rest[2];
        var verb = method switch
        {
            "GET" when watch => "watch",
            "GET" => named ? "get" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => named ? "delete" : "deletecollection",
            _ => method.ToLowerInvariant(),
        };
        return new ApiCall(verb, group, resource, ns);
    }
}

/// <summary>The rules a ServiceAccount gets from the ClusterRoles and Roles bound to it in one RBAC manifest.</summary>
public sealed class RbacRules
{
    private readonly List<(string? Namespace, HashSet<string> Groups, HashSet<string> Resources, HashSet<string> Verbs)> _rules = [];

    public static RbacRules ForServiceAccount(string file, string serviceAccount)
    {
        var docs = ManifestSet.Load(Path.GetDirectoryName(file)!).Where(d => d.File == Path.GetFileName(file)).Select(d => d.Doc).ToList();
        var rules = new RbacRules();
        foreach (var binding in docs.Where(d => d.Str("kind") is "ClusterRoleBinding" or "RoleBinding"))
        {
            if (!binding.List("subjects").Cast<Dictionary<object, object>>().Any(x => x.Str("name") == serviceAccount)) continue;
            var roleKind = binding.Str("roleRef", "kind");
            var roleName = binding.Str("roleRef", "name");
            var role = docs.Single(d => d.Str("kind") == roleKind && d.Str("metadata", "name") == roleName);
            string? ns = roleKind == "Role" ? role.Str("metadata", "namespace") : null;
            foreach (var rule in role.List("rules").Cast<Dictionary<object, object>>())
                rules._rules.Add((ns, Set(rule, "apiGroups"), Set(rule, "resources"), Set(rule, "verbs")));
        }
        return rules;
    }

    private static HashSet<string> Set(Dictionary<object, object> rule, string key) =>
        rule.List(key).Select(x => x?.ToString() ?? "").ToHashSet();

    public bool Allows(ApiCall call) => _rules.Any(r =>
        (r.Namespace is null || r.Namespace == call.Namespace) &&
        (r.Groups.Contains(call.Group) || r.Groups.Contains("*")) &&
        (r.Resources.Contains(call.Resource) || r.Resources.Contains("*")) &&
        (r.Verbs.Contains(call.Verb) || r.Verbs.Contains("*")));
}
