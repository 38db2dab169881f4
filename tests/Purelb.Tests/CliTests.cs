using Purelb.Modes;
using Xunit;

namespace Purelb.Tests;

public class CliTests
{
    [Theory]
    [InlineData("allocator")]
    [InlineData("agent")]
    [InlineData("debug pools")]
    [InlineData("version")]
    public void Every_mode_parses_without_errors(string commandLine)
    {
        var result = PurelbCli.Build().Parse(commandLine.Split(' '));
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Unknown_subcommand_is_an_error()
    {
        var result = PurelbCli.Build().Parse(["frobnicate"]);
        Assert.NotEmpty(result.Errors);
    }
}
