using Purelb.Tests.Harness;
using Xunit;
using Xunit.Abstractions;

namespace Purelb.Tests.Demo;

/// <summary>
/// `./build.sh demo --quick`, run in-process, so the README's first command cannot silently break: allocation,
/// announcement by exactly one node (seen through ARP), failover after SIGKILL, and nothing left behind.
/// </summary>
[Trait("Category", "Kernel")]
public class DemoQuickTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Quick_demo_allocates_announces_fails_over_and_leaves_no_namespace()
    {
        Assert.True(Shell.IsRoot, "the demo test needs root (network namespaces)");
        var before = Namespaces();
        var text = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var code = await DemoRunner.RunAsync(["--quick"], text, timeout.Token);
        var printed = text.ToString();
        output.WriteLine(printed);

        Assert.Equal(0, code);
        Assert.Matches(@"default/web: 192\.0\.2\.2(0\d|1\d) from default", printed);
        Assert.Matches(@"node\d won the election: 192\.0\.2\.\d+ is on its eth0", printed);
        Assert.Matches(@"ARP resolved it to [0-9a-f:]{17} = (node\d)'s eth0", printed);
        var failover = System.Text.RegularExpressions.Regex.Match(printed, @"(node\d) took 192\.0\.2\.\d+ ([\d.]+) s after the kill");
        Assert.True(failover.Success, "no failover line");
        var winner = System.Text.RegularExpressions.Regex.Match(printed, @"(node\d) won the election").Groups[1].Value;
        Assert.NotEqual(winner, failover.Groups[1].Value);
        Assert.InRange(double.Parse(failover.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), 0, 10);
        Assert.Contains("stopped every process and removed all 5 namespaces", printed);
        Assert.DoesNotContain("FAILED", printed);
        Assert.DoesNotContain(Namespaces().Except(before), n => n.StartsWith("plb-demo-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_argument_is_refused_with_usage()
    {
        var text = new StringWriter();
        Assert.Equal(2, await DemoRunner.RunAsync(["--fast"], text));
        Assert.Contains("usage: ./build.sh demo", text.ToString());
    }

    private static IReadOnlyList<string> Namespaces() =>
        Shell.Run("ip", ["netns", "list"], check: false).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToList();
}
