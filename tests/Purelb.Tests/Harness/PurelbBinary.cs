namespace Purelb.Tests.Harness;

/// <summary>
/// How tests start the real purelb process: the native-AOT binary when PURELB_BINARY names it (CI publishes it
/// once), else the JIT build that sits next to the tests.
/// </summary>
public static class PurelbBinary
{
    public static (string File, string[] Prefix) Command
    {
        get
        {
            var aot = Environment.GetEnvironmentVariable("PURELB_BINARY");
            if (!string.IsNullOrEmpty(aot) && File.Exists(aot)) return (aot, []);
            // The product's own build output: its deps and runtimeconfig list exactly what it needs.
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "purelb.csproj"))) dir = dir.Parent;
            var dll = Path.Combine(dir?.FullName ?? ".", "bin", "Debug", "net10.0", "purelb.dll");
            return ("dotnet", [dll]);
        }
    }

    public static LabProcess Start(string name, string? ns, IEnumerable<string> args, string logDirectory,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var (file, prefix) = Command;
        return LabProcess.Start(name, ns, file, [.. prefix, .. args], logDirectory, environment);
    }
}
