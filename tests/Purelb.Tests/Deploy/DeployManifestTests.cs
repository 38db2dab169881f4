using System.Text.RegularExpressions;
using Purelb.Modes;
using Xunit;

namespace Purelb.Tests.Deploy;

public class DeployManifestTests
{
    private static readonly Dictionary<string, string> KnownKinds = new()
    {
        ["Namespace"] = "v1",
        ["ServiceAccount"] = "v1",
        ["ClusterRole"] = "rbac.authorization.k8s.io/v1",
        ["ClusterRoleBinding"] = "rbac.authorization.k8s.io/v1",
        ["Role"] = "rbac.authorization.k8s.io/v1",
        ["RoleBinding"] = "rbac.authorization.k8s.io/v1",
        ["Deployment"] = "apps/v1",
        ["DaemonSet"] = "apps/v1",
        ["CustomResourceDefinition"] = "apiextensions.k8s.io/v1",
        ["LBNodeAgent"] = "purelb.io/v2",
        ["ServiceGroup"] = "purelb.io/v2",
        ["Service"] = "v1",
        ["Kustomization"] = "kustomize.config.k8s.io/v1beta1",
    };

    public static TheoryData<string> Directories => new() { "", "crds", "samples", "helm/purelb/files" };

    [Theory]
    [MemberData(nameof(Directories))]
    public void Every_manifest_has_a_known_kind_with_its_api_version(string sub)
    {
        var docs = ManifestSet.Load(Path.Combine(ManifestSet.DeployDirectory, sub)).ToList();
        Assert.NotEmpty(docs);
        foreach (var (file, doc) in docs)
        {
            var kind = doc.Str("kind");
            Assert.True(KnownKinds.ContainsKey(kind), $"{file}: unexpected kind '{kind}'");
            Assert.Equal(KnownKinds[kind], doc.Str("apiVersion"));
            if (kind != "Kustomization") Assert.False(string.IsNullOrEmpty(doc.Str("metadata", "name")), $"{file}: {kind} without a name");
        }
    }

    [Fact]
    public void Kustomization_lists_only_files_that_exist()
    {
        var (_, k) = ManifestSet.Load(ManifestSet.DeployDirectory).Single(d => d.Doc.Str("kind") == "Kustomization");
        foreach (var resource in k.List("resources").Cast<string>())
            Assert.True(File.Exists(Path.Combine(ManifestSet.DeployDirectory, resource)), $"kustomization names missing {resource}");
    }

    [Theory]
    [InlineData("Deployment", "allocator")]
    [InlineData("DaemonSet", "agent")]
    public void Container_args_are_flags_the_binary_accepts(string kind, string container)
    {
        var (file, workload) = ManifestSet.Load(ManifestSet.DeployDirectory).Single(d => d.Doc.Str("kind") == kind);
        var c = workload.List("spec", "template", "spec", "containers").Cast<Dictionary<object, object>>()
            .Single(x => x.Str("name") == container);
        // $(VAR) is expanded by the kubelet from the container's env; any value will do for parsing.
        var args = c.List("args").Cast<string>().Select(a => Regex.Replace(a, @"\$\([A-Z_]+\)", "x")).ToArray();
        Assert.Equal(container, args[0]);
        var result = PurelbCli.Build().Parse(args);
        Assert.True(result.Errors.Count == 0, $"{file}: {string.Join("; ", result.Errors.Select(e => e.Message))}");
        foreach (var name in c.List("env").Cast<Dictionary<object, object>>().Select(e => e.Str("name")))
            Assert.Matches("^(PURELB_|DEFAULT_ANNOUNCER$)", name);
    }

    [Fact]
    public void Allocator_runs_as_non_root_with_a_read_only_root_and_no_capabilities()
    {
        var (_, d) = ManifestSet.Load(ManifestSet.DeployDirectory).Single(x => x.Doc.Str("kind") == "Deployment");
        Assert.Equal(1, Convert.ToInt32(d.At("spec", "replicas")));
        Assert.Equal("Recreate", d.Str("spec", "strategy", "type"));
        Assert.Equal("true", d.At("spec", "template", "spec", "securityContext", "runAsNonRoot")?.ToString());
        var c = d.List("spec", "template", "spec", "containers").Cast<Dictionary<object, object>>().Single();
        Assert.Equal("true", c.At("securityContext", "readOnlyRootFilesystem")?.ToString());
        Assert.Equal(["ALL"], c.List("securityContext", "capabilities", "drop").Cast<string>());
        Assert.Null(c.At("securityContext", "capabilities", "add"));
    }

    [Fact]
    public void Agent_gets_only_net_admin_and_net_raw_and_shares_the_gobgp_socket()
    {
        var (_, ds) = ManifestSet.Load(ManifestSet.DeployDirectory).Single(x => x.Doc.Str("kind") == "DaemonSet");
        Assert.Equal("true", ds.At("spec", "template", "spec", "hostNetwork")?.ToString());
        var containers = ds.List("spec", "template", "spec", "containers").Cast<Dictionary<object, object>>().ToList();
        var agent = containers.Single(c => c.Str("name") == "agent");
        Assert.Equal(["NET_ADMIN", "NET_RAW"], agent.List("securityContext", "capabilities", "add").Cast<string>().Order());
        Assert.Equal(["ALL"], agent.List("securityContext", "capabilities", "drop").Cast<string>());
        var sidecar = containers.Single(c => c.Str("name") == "k8gobgp");
        string MountOf(Dictionary<object, object> c) => c.List("volumeMounts").Cast<Dictionary<object, object>>()
            .Single(m => m.Str("name") == "gobgp-socket").Str("mountPath");
        Assert.Equal(MountOf(sidecar), MountOf(agent));
        var endpoint = agent.List("args").Cast<string>().Single(a => a.StartsWith("--bgp-endpoint=", StringComparison.Ordinal));
        Assert.StartsWith("unix://" + MountOf(agent) + "/", endpoint["--bgp-endpoint=".Length..]);
    }
}
