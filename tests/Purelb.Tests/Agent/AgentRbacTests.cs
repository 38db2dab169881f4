using Purelb.Tests.Deploy;
using Xunit;

namespace Purelb.Tests.Agent;

/// <summary>
/// Every call the real agents make — join, announce, annotate, emit events, hand off on a graceful stop — is allowed by
/// the RBAC we ship for them. Calls are told apart from the allocator's by the User-Agent each component sends.
/// </summary>
[Trait("Category", "EndToEnd")]
public sealed class AgentRbacTests
{
    [Fact]
    public async Task Every_api_call_of_the_agent_is_allowed_by_its_shipped_rbac()
    {
        await using var lab = await AgentLab.StartAsync(nodes: 2);
        lab.Service("rbac");
        var ip = (await lab.IngressAsync("rbac", 1))[0];
        var winner = await lab.SingleHolderAsync(ip);
        await lab.EventuallyAsync(() => AgentLab.Annotation(lab.GetService("rbac"), "purelb.io/announcing-IPv4"),
            v => v is not null, "the announcing-IPv4 annotation");
        // A graceful stop withdraws, then deletes the Lease: the hand-off calls are in the log too.
        Assert.True(lab.Agents[winner].Stop(TimeSpan.FromSeconds(10)), "the winner did not stop on SIGTERM");
        await lab.SingleHolderAsync(ip, not: winner);
        lab.DeleteService("rbac");
        await lab.EventuallyAsync(() => lab.HoldersOf(ip), h => h.Count == 0, "the address withdrawn everywhere");

        var log = lab.Api.RequestLog.ToList();
        Assert.Contains(log, r => r.UserAgent.StartsWith("purelb-allocator/", StringComparison.Ordinal));
        var calls = log
            .Where(r => r.UserAgent.StartsWith("purelb-agent/", StringComparison.Ordinal))
            .Select(r => ApiCall.FromRequest(r.Method, r.Path, r.Watch))
            .OfType<ApiCall>()
            .Distinct()
            .ToList();
        // The scenario did reach each kind of write the agent makes; otherwise the check below proves little.
        Assert.Contains(calls, c => c.Resource == "leases" && c.Verb == "create");
        Assert.Contains(calls, c => c.Resource == "leases" && c.Verb is "update" or "patch");
        Assert.True(calls.Any(c => c.Resource == "leases" && c.Verb == "delete"), "no Lease delete on the graceful stop\n" + lab.Logs());
        Assert.Contains(calls, c => c.Resource == "services" && c.Verb == "patch");
        Assert.Contains(calls, c => c.Resource == "services" && c.Verb == "watch");

        var rules = RbacRules.ForServiceAccount(
            Path.Combine(ManifestSet.DeployDirectory, "helm", "purelb", "files", "rbac-agent.yaml"), "purelb-agent");
        var denied = calls.Where(c => !rules.Allows(c)).ToList();
        Assert.True(denied.Count == 0, "not allowed by rbac-agent.yaml: " + string.Join("; ", denied));
    }
}
