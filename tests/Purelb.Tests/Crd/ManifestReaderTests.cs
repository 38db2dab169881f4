using Purelb.Kube.Yaml;
using Xunit;

namespace Purelb.Tests.Crd;

public class ManifestReaderTests
{
    private static ManifestSet Read(string text, string file = "groups.yaml")
    {
        var set = new ManifestSet();
        ManifestReader.ReadText(text, file, set);
        return set;
    }

    private const string GoodGroup = """
        apiVersion: purelb.io/v2
        kind: ServiceGroup
        metadata: {name: good, namespace: purelb-system}
        spec:
          local:
            v4pool: {subnet: 192.0.2.0/24, pool: 192.0.2.10-192.0.2.20}
        """;

    [Fact]
    public void Mixed_kinds_are_sorted_and_other_kinds_ignored()
    {
        var set = Read(GoodGroup + """

            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec: {type: LoadBalancer, ports: [{port: 80, targetPort: http}]}
            ---
            apiVersion: purelb.io/v2
            kind: LBNodeAgent
            metadata: {name: default, namespace: purelb-system}
            spec: {local: {localInterface: default}}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: other}
            data: {a: b}
            """);
        Assert.Empty(set.Problems);
        Assert.Equal("good", Assert.Single(set.ServiceGroups).Value.Metadata.Name);
        var service = Assert.Single(set.Services);
        Assert.Equal("default", service.Value.Metadata.NamespaceProperty);
        Assert.Equal("http", service.Value.Spec.Ports[0].TargetPort.Value);
        Assert.Equal(8, service.Source.Line);
        Assert.Single(set.LBNodeAgents);
        Assert.Equal("ConfigMap other", Assert.Single(set.Ignored).ObjectName);
    }

    [Fact]
    public void List_kinds_are_unpacked()
    {
        var set = Read("""
            apiVersion: v1
            kind: List
            items:
            - apiVersion: purelb.io/v2
              kind: ServiceGroup
              metadata: {name: a}
              spec: {remote: {v4pool: {subnet: 203.0.113.0/24, pool: 203.0.113.0/28}}}
            - apiVersion: purelb.io/v2
              kind: ServiceGroup
              metadata: {name: b}
              spec: {remote: {v4pool: {subnet: 203.0.113.0/24, pool: 203.0.113.16/28}}}
            """);
        Assert.Empty(set.Problems);
        Assert.Equal(["a", "b"], set.ServiceGroups.Select(g => g.Value.Metadata.Name));
    }

    [Fact]
    public void Json_files_are_read()
    {
        var set = Read("""{"apiVersion":"purelb.io/v2","kind":"ServiceGroup","metadata":{"name":"j"},"spec":{"external":{"provider":"p","announce":"local"}}}""", "g.json");
        Assert.Empty(set.Problems);
        Assert.Equal("p", Assert.Single(set.ServiceGroups).Value.Spec.External!.Provider);
    }

    [Fact]
    public void Every_problem_names_file_object_and_field()
    {
        var set = Read("""
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: typo, namespace: purelb-system}
            spec:
              local:
                v4Pool: {subnet: 192.0.2.0/24, pool: 192.0.2.1/32}
            ---
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: both, namespace: purelb-system}
            spec:
              enforceNamespaces: true
              local:
                v4pool: {subnet: 192.0.2.0/24, pool: 192.0.2.2/32, aggregation: /33}
                v6pool: {subnet: "2001:db8::/64", pool: "2001:db8::1/128", aggregation: "64"}
              remote: {v4pool: {subnet: 203.0.113.0/24}}
            ---
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {name: wrongtype, namespace: purelb-system}
            spec:
              local:
                multiPool: "maybe"
                v4pool: {subnet: 192.0.2.0/24, pool: 192.0.2.3/32}
            ---
            apiVersion: purelb.io/v1
            kind: ServiceGroup
            metadata: {name: old, namespace: purelb-system}
            spec:
              local: {v4pool: {subnet: 192.0.2.0/24, pool: 192.0.2.4/32}}
            ---
            apiVersion: purelb.io/v2
            kind: ServiceGroup
            metadata: {namespace: purelb-system}
            spec:
              external: {provider: "", announce: sideways, socket: relative.sock}
            """, "bad.yaml");
        Assert.Empty(set.ServiceGroups);
        var problems = set.Problems.Select(p => p.ToString()).ToList();
        Assert.All(set.Problems, p => Assert.Equal("bad.yaml", p.File));
        Has(problems, "bad.yaml: ServiceGroup purelb-system/typo: spec.local.v4Pool: unknown field");
        Has(problems, "bad.yaml: ServiceGroup purelb-system/both: spec: exactly one of local, remote, external, or netbox must be specified");
        Has(problems, "bad.yaml: ServiceGroup purelb-system/both: spec.enforceNamespaces: requires a non-empty namespaces list");
        Has(problems, "bad.yaml: ServiceGroup purelb-system/both: spec.local.v4pool.aggregation: an IPv4 aggregation cannot be longer than /32, got \"/33\"");
        Has(problems, "bad.yaml: ServiceGroup purelb-system/both: spec.local.v6pool.aggregation: must be \"default\" or /8 to /128, got \"64\"");
        Has(problems, "bad.yaml: ServiceGroup purelb-system/both: spec.remote.v4pool.pool: required");
        Has(problems, "bad.yaml: ServiceGroup purelb-system/wrongtype: spec.local.multiPool: expected a boolean (true or false)");
        Has(problems, "bad.yaml: ServiceGroup purelb-system/old: apiVersion: \"purelb.io/v1\" is not served for ServiceGroup; use purelb.io/v2");
        Has(problems, "bad.yaml: ServiceGroup at line 32: metadata.name: required");
        Has(problems, "bad.yaml: ServiceGroup at line 32: spec.external.provider: required");
        Has(problems, "bad.yaml: ServiceGroup at line 32: spec.external.announce: must be \"local\" or \"remote\", got \"sideways\"");
        Has(problems, "bad.yaml: ServiceGroup at line 32: spec.external.socket: must be an absolute path, got \"relative.sock\"");
    }

    private static void Has(List<string> problems, string expected) =>
        Assert.True(problems.Contains(expected), $"missing: {expected}\nfound:\n{string.Join("\n", problems)}");

    [Fact]
    public void Duplicates_are_reported_with_the_first_location()
    {
        var set = Read(GoodGroup + "\n---\n" + GoodGroup);
        Assert.Single(set.ServiceGroups);
        var problem = Assert.Single(set.Problems);
        Assert.Equal("ServiceGroup purelb-system/good", problem.Object);
        Assert.Equal("defined more than once (also at groups.yaml:1)", problem.Reason);
    }

    [Fact]
    public void Invalid_yaml_names_file_and_line()
    {
        var set = Read(GoodGroup + "\n---\nkind: ServiceGroup\nmetadata: {name: x\n", "broken.yaml");
        var problem = Assert.Single(set.Problems);
        Assert.Equal("broken.yaml", problem.File);
        Assert.StartsWith("invalid YAML at line ", problem.Reason);
    }

    [Fact]
    public void Non_objects_and_missing_kinds_are_problems()
    {
        var set = Read("- a\n- b\n---\napiVersion: v1\nmetadata: {name: nokind}\n", "odd.yaml");
        Assert.Equal(
            ["odd.yaml: document at line 1: is not a Kubernetes object (expected a mapping with apiVersion and kind)", "odd.yaml: object nokind: kind: required"],
            set.Problems.Select(p => p.ToString()));
    }

    [Fact]
    public void Missing_files_are_problems_not_crashes()
    {
        var set = ManifestReader.ReadFiles(["/nonexistent/purelb-crd-test.yaml"]);
        var problem = Assert.Single(set.Problems);
        Assert.Equal("/nonexistent/purelb-crd-test.yaml", problem.File);
        Assert.Equal("file", problem.Object);
    }

    [Fact]
    public void LBNodeAgent_rules_are_checked()
    {
        var set = Read("""
            apiVersion: purelb.io/v2
            kind: LBNodeAgent
            metadata: {name: bad, namespace: purelb-system}
            spec:
              nodeSelector: {matchExpressions: [{key: zone, operator: Near}]}
              local:
                dummyInterface: a-name-that-is-too-long
                garpConfig: {count: 11, interval: soon}
                addressConfig: {localInterface: {validLifetime: -1}}
            """, "agents.yaml");
        Assert.Empty(set.LBNodeAgents);
        Assert.Equal(
            [
                "spec.nodeSelector.matchExpressions[0].operator: must be one of In, NotIn, Exists, DoesNotExist",
                "spec.local.dummyInterface: must be 1 to 15 characters, got \"a-name-that-is-too-long\"",
                "spec.local.garpConfig.interval: \"soon\" is not a duration such as 100ms or 1.5s",
                "spec.local.garpConfig.count: must be 1 to 10, got 11",
                "spec.local.addressConfig.localInterface.validLifetime: must be 0 or more, got -1",
            ],
            set.Problems.Select(p => p.Reason));
        Assert.All(set.Problems, p => Assert.Equal("LBNodeAgent purelb-system/bad", p.Object));
    }

    [Fact]
    public void Service_with_unknown_field_is_rejected()
    {
        var set = Read("apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: n}\nspec: {type: LoadBalancer, loadBalancerIp: 192.0.2.1}\n", "svc.yaml");
        Assert.Empty(set.Services);
        Assert.Equal("svc.yaml: Service n/s: spec.loadBalancerIp: unknown field", Assert.Single(set.Problems).ToString());
    }
}
