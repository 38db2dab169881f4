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

    [Theory]
    [InlineData("0", false)]
    [InlineData("257", false)]
    [InlineData("1", true)]
    [InlineData("64", true)]
    public void Allocator_workers_must_be_between_1_and_256(string workers, bool valid)
    {
        var result = PurelbCli.Build().Parse(["allocator", "--workers", workers]);
        Assert.Equal(valid, result.Errors.Count == 0);
        if (valid) Assert.Equal(int.Parse(workers), result.GetValue<int>("--workers"));
    }
}
