using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace Purelb.Tests.Deploy;

/// <summary>Every YAML document under deploy/ (as the test output copies it), parsed into plain maps and lists.</summary>
public static class ManifestSet
{
    public static string DeployDirectory => Path.Combine(AppContext.BaseDirectory, "deploy");

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "purelb.csproj"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
        }
    }

    public static IEnumerable<(string File, Dictionary<object, object> Doc)> Load(string directory, bool recurse = false)
    {
        var deserializer = new DeserializerBuilder().Build();
        var files = Directory.EnumerateFiles(directory, "*.yaml", recurse ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly);
        foreach (var file in files.Order())
        {
            var parser = new YamlDotNet.Core.Parser(new StringReader(File.ReadAllText(file)));
            parser.Consume<YamlDotNet.Core.Events.StreamStart>();
            while (parser.Accept<YamlDotNet.Core.Events.DocumentStart>(out _))
            {
                var doc = deserializer.Deserialize<Dictionary<object, object>?>(parser);
                if (doc is not null) yield return (Path.GetFileName(file), doc);
            }
        }
    }

    public static object? At(this Dictionary<object, object> map, params string[] path)
    {
        object? current = map;
        foreach (var key in path)
        {
            if (current is not Dictionary<object, object> m || !m.TryGetValue(key, out current)) return null;
        }
        return current;
    }

    public static string Str(this Dictionary<object, object> map, params string[] path) => map.At(path) as string ?? "";

    public static List<object> List(this Dictionary<object, object> map, params string[] path) =>
        map.At(path) as List<object> ?? [];
}
