using Xunit;

namespace Purelb.Tests.Election;

/// <summary>Election/ and the agent model decide; they never touch the network, files or Kubernetes types.</summary>
public class PurityTests
{
    private static readonly string[] Forbidden =
    [
        "k8s.Models", "using k8s", "System.Net.Sockets.Socket", "new Socket(", "System.IO.File", "File.", "Directory.",
        "HttpClient", "DateTime.Now", "DateTime.UtcNow", "DateTimeOffset.UtcNow", "Stopwatch", "Environment.TickCount",
        "Thread.Sleep", "TimeProvider.System",
    ];

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "purelb.csproj"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }

    [Theory]
    [InlineData("Election")]
    [InlineData("Modes/Agent/Model")]
    public void Pure_folders_do_no_io_and_read_no_ambient_clock(string folder)
    {
        var files = Directory.GetFiles(Path.Combine(RepoRoot(), folder), "*.cs", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            foreach (var word in Forbidden)
            {
                Assert.False(text.Contains(word, StringComparison.Ordinal), $"{Path.GetFileName(file)} contains \"{word}\"");
            }
        }
    }
}
