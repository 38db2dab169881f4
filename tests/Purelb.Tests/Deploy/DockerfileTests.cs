using System.Text.RegularExpressions;
using Purelb.Modes;
using Xunit;

namespace Purelb.Tests.Deploy;

/// <summary>No Docker engine runs here, so the Dockerfile is checked as text against the binary it packages.</summary>
public class DockerfileTests
{
    private static readonly string[] Lines = File.ReadAllLines(Path.Combine(ManifestSet.RepoRoot, "Dockerfile"))
        .Where(l => !l.TrimStart().StartsWith('#') && l.Trim().Length > 0).ToArray();

    [Fact]
    public void Builds_native_aot_in_one_stage_and_ships_it_in_a_distroless_final_stage()
    {
        var froms = Lines.Where(l => l.StartsWith("FROM ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, froms.Count);
        Assert.Contains("dotnet/sdk", froms[0]);
        Assert.Contains("distroless", froms[1]);
        Assert.Contains(Lines, l => l.Contains("dotnet publish purelb.csproj") && l.Contains("-r linux-x64"));
        Assert.Contains(Lines, l => Regex.IsMatch(l, @"^COPY --from=build /out/purelb "));
    }

    [Fact]
    public void Final_stage_runs_as_non_root_and_its_entrypoint_is_the_binary()
    {
        var final = Lines.SkipWhile(l => !l.Contains("distroless")).ToList();
        var user = final.Single(l => l.StartsWith("USER ", StringComparison.Ordinal));
        Assert.NotEqual("0", user[5..].Split(':')[0].Trim());
        Assert.Contains(final, l => l == "ENTRYPOINT [\"/usr/local/bin/purelb\"]");
        var cmd = final.Single(l => l.StartsWith("CMD ", StringComparison.Ordinal));
        var args = Regex.Matches(cmd, "\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToArray();
        Assert.Empty(PurelbCli.Build().Parse(args).Errors);
    }
}
