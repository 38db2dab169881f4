using k8s.Models;
using Purelb.Election;
using Purelb.Kube.Agent;
using Purelb.Kube.Crd;
using Xunit;

namespace Purelb.Tests.Agent;

/// <summary>Which LBNodeAgent is in force on a node (agent.md §1.6): nodeSelector, precedence, deselection.</summary>
public class NodeAgentConfigTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["zone"] = "a", ["role"] = "edge" };

    private static LBNodeAgent Agent(string name, V1LabelSelector? selector = null, string? localInterface = "default", string ns = "purelb-system") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new LBNodeAgentSpec
        {
            NodeSelector = selector,
            Local = localInterface is null ? null : new LBNodeAgentLocalSpec { LocalInterface = localInterface },
        },
    };

    private static V1LabelSelector Match(string key, string value) => new() { MatchLabels = new Dictionary<string, string> { [key] = value } };

    private static V1LabelSelector Expr(string key, string op, params string[] values) =>
        new() { MatchExpressions = [new V1LabelSelectorRequirement { Key = key, OperatorProperty = op, Values = values.Length == 0 ? null : values }] };

    [Fact]
    public void No_agents_is_the_default_route_behaviour()
    {
        var c = NodeAgentConfig.From([], Labels);
        Assert.Equal("default", c.State);
        Assert.Equal(SelectorKind.DefaultRoute, c.Selector.Kind);
        Assert.Null(c.Effective);
    }

    [Fact]
    public void Agents_that_all_select_other_nodes_deselect_this_one()
    {
        var c = NodeAgentConfig.From([Agent("b", Match("zone", "b")), Agent("c", Expr("role", "DoesNotExist"))], Labels);
        Assert.Equal("deselected", c.State);
        Assert.Equal(SelectorKind.Nothing, c.Selector.Kind);
        Assert.Null(c.Effective);
    }

    [Fact]
    public void A_specific_selector_outranks_a_catch_all_and_the_others_are_reported_ignored()
    {
        var c = NodeAgentConfig.From(
        [
            Agent("aaa-all", null, "eth0"),
            Agent("zone-a", Match("zone", "a"), "eth1"),
            Agent("edge", Expr("role", "In", "edge", "core"), "eth2"),
            Agent("elsewhere", Match("zone", "b"), "eth3"),
        ], Labels);
        Assert.Equal("configured", c.State);
        Assert.Equal("edge", c.Effective!.Metadata.Name); // specific ones by name: edge < zone-a
        Assert.Equal(["zone-a", "aaa-all"], c.Ignored.Select(a => a.Metadata.Name));
        Assert.Matches(c.Selector.Regex!, "eth2");
    }

    [Fact]
    public void The_first_matching_agent_with_a_local_section_is_in_force()
    {
        var c = NodeAgentConfig.From([Agent("a-specific", Match("zone", "a"), localInterface: null), Agent("b-all", null, "eth9")], Labels);
        Assert.Equal("b-all", c.Effective!.Metadata.Name);
        Assert.Matches(c.Selector.Regex!, "eth9");
        // Matching agents but none with local: default-route behaviour, nothing ignored.
        var none = NodeAgentConfig.From([Agent("a", Match("zone", "a"), localInterface: null)], Labels);
        Assert.Equal("default", none.State);
        Assert.Empty(none.Ignored);
    }

    [Fact]
    public void An_unusable_selector_matches_nothing_and_is_reported()
    {
        var c = NodeAgentConfig.From([Agent("bad", Expr("zone", "In")), Agent("worse", Expr("zone", "Near", "a"))], Labels);
        Assert.Equal("deselected", c.State);
        Assert.Equal(["bad", "worse"], c.InvalidSelectors.Select(i => i.Agent.Metadata.Name));
    }

    [Fact]
    public void An_invalid_interface_pattern_on_the_effective_agent_silences_the_node()
    {
        var c = NodeAgentConfig.From([Agent("x", null, "[")], Labels);
        Assert.Equal("invalid", c.State);
        Assert.Equal(SelectorKind.Nothing, c.Selector.Kind);
        Assert.NotNull(c.Error);
        Assert.Equal("x", c.Effective!.Metadata.Name);
    }

    [Theory]
    [InlineData("zone", "In", "a,b", true)]
    [InlineData("zone", "In", "b", false)]
    [InlineData("zone", "NotIn", "b", true)]
    [InlineData("zone", "NotIn", "a", false)]
    [InlineData("rack", "NotIn", "a", true)]
    [InlineData("role", "Exists", "", true)]
    [InlineData("rack", "Exists", "", false)]
    [InlineData("rack", "DoesNotExist", "", true)]
    public void Label_selector_requirements(string key, string op, string values, bool expected)
    {
        var selector = Expr(key, op, values.Length == 0 ? [] : values.Split(','));
        Assert.Equal(expected, NodeSelectorMatch.Matches(selector, Labels, out var error));
        Assert.Null(error);
    }
}
