using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Purelb.Kube.Crd;
using Xunit;

namespace Purelb.Tests.Crd;

/// <summary>
/// The file-mode rules (ServiceGroupRules, LBNodeAgentRules) accept exactly what the CRD patterns and
/// bounds accept, so `purelb debug pools --file` and the API server agree.
/// </summary>
public class RulesAgreeWithCrdTests
{
    private static readonly JsonNode SgSpec =
        CrdManifests.Schema(CrdManifests.LoadCrd("purelb.io_servicegroups.yaml"))["properties"]!["spec"]!["properties"]!;

    private static readonly JsonNode AgentLocal =
        CrdManifests.Schema(CrdManifests.LoadCrd("purelb.io_lbnodeagents.yaml"))["properties"]!["spec"]!["properties"]!["local"]!["properties"]!;

    private static ServiceGroup WithV6Aggregation(string aggregation) => new()
    {
        Metadata = new() { Name = "g" },
        Spec = new() { Local = new() { V6Pool = new() { Pool = "2001:db8::/120", Subnet = "2001:db8::/64", Aggregation = aggregation } } },
    };

    [Theory]
    [InlineData("default")]
    [InlineData("/8")]
    [InlineData("/7")]
    [InlineData("/08")]
    [InlineData("/64")]
    [InlineData("/128")]
    [InlineData("/129")]
    [InlineData("64")]
    [InlineData("")]
    [InlineData("Default")]
    public void Aggregation_pattern(string aggregation)
    {
        var pattern = (string)SgSpec["local"]!["properties"]!["v6pool"]!["properties"]!["aggregation"]!["pattern"]!;
        var crdAccepts = Regex.IsMatch(aggregation, pattern);
        Assert.Equal(crdAccepts, ServiceGroupRules.Check(WithV6Aggregation(aggregation)).Count == 0);
    }

    [Theory]
    [InlineData("tenant-a")]
    [InlineData("a")]
    [InlineData("Tenant")]
    [InlineData("-a")]
    [InlineData("a-")]
    [InlineData("a.b")]
    [InlineData("")]
    [InlineData("a123456789b123456789c123456789d123456789e123456789f123456789ghij")]
    public void Namespace_pattern_and_length(string ns)
    {
        var items = SgSpec["namespaces"]!["items"]!;
        var crdAccepts = Regex.IsMatch(ns, (string)items["pattern"]!) && ns.Length <= (long)items["maxLength"]!;
        var group = new ServiceGroup
        {
            Metadata = new() { Name = "g" },
            Spec = new() { Namespaces = [ns], Remote = new() { V4Pool = new() { Pool = "192.0.2.0/30", Subnet = "192.0.2.0/24" } } },
        };
        Assert.Equal(crdAccepts, ServiceGroupRules.Check(group).Count == 0);
    }

    [Theory]
    [InlineData("100ms")]
    [InlineData("1.5s")]
    [InlineData("1h2m3s")]
    [InlineData("250us")]
    [InlineData("10")]
    [InlineData("ms")]
    [InlineData("soon")]
    [InlineData("-1s")]
    public void Garp_duration_pattern(string duration)
    {
        var crdAccepts = Regex.IsMatch(duration, (string)AgentLocal["garpConfig"]!["properties"]!["interval"]!["pattern"]!);
        var agent = new LBNodeAgent
        {
            Metadata = new() { Name = "a" },
            Spec = new() { Local = new() { GarpConfig = new() { Interval = duration } } },
        };
        Assert.Equal(crdAccepts, LBNodeAgentRules.Check(agent).Count == 0);
    }

    [Theory]
    [InlineData("kube-lb0")]
    [InlineData("")]
    [InlineData("exactly15chars_")]
    [InlineData("sixteen-chars-xx")]
    public void Dummy_interface_length(string name)
    {
        var schema = AgentLocal["dummyInterface"]!;
        var crdAccepts = name.Length >= (long)schema["minLength"]! && name.Length <= (long)schema["maxLength"]!;
        var agent = new LBNodeAgent { Metadata = new() { Name = "a" }, Spec = new() { Local = new() { DummyInterface = name } } };
        Assert.Equal(crdAccepts, LBNodeAgentRules.Check(agent).Count == 0);
    }
}
