using System.Reflection;
using Purelb.Ipam;
using Xunit;

namespace Purelb.Tests.Ipam;

/// <summary>Ipam/ is pure: no Kubernetes types in its compiled signatures or its sources (style.md §5).</summary>
public class NoKubernetesTypesTests
{
    private static IEnumerable<Type> IpamTypes() =>
        typeof(IpamLedger).Assembly.GetTypes().Where(t => t.Namespace == "Purelb.Ipam");

    private static bool IsKube(Type? t) =>
        t is not null && (t.Namespace?.StartsWith("k8s", StringComparison.Ordinal) == true ||
                          (t.IsGenericType && t.GetGenericArguments().Any(IsKube)) ||
                          (t.HasElementType && IsKube(t.GetElementType())));

    [Fact]
    public void No_compiled_ipam_member_mentions_a_kubernetes_type()
    {
        var types = IpamTypes().ToList();
        Assert.Contains(typeof(IpamLedger), types);
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var offenders = new List<string>();
        foreach (var t in types)
        {
            if (IsKube(t.BaseType) || t.GetInterfaces().Any(IsKube)) offenders.Add(t.FullName!);
            foreach (var f in t.GetFields(all)) if (IsKube(f.FieldType)) offenders.Add($"{t.Name}.{f.Name}");
            foreach (var p in t.GetProperties(all)) if (IsKube(p.PropertyType)) offenders.Add($"{t.Name}.{p.Name}");
            foreach (var m in t.GetMethods(all).Cast<MethodBase>().Concat(t.GetConstructors(all)))
            {
                if (m is MethodInfo mi && IsKube(mi.ReturnType)) offenders.Add($"{t.Name}.{m.Name}");
                if (m.GetParameters().Any(p => IsKube(p.ParameterType))) offenders.Add($"{t.Name}.{m.Name}");
                var body = m.GetMethodBody();
                if (body is not null && body.LocalVariables.Any(v => IsKube(v.LocalType))) offenders.Add($"{t.Name}.{m.Name} (local)");
            }
        }
        Assert.Empty(offenders);
    }

    [Fact]
    public void No_ipam_source_file_references_the_kubernetes_client()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "purelb.csproj"))) dir = Path.GetDirectoryName(dir);
        Assert.NotNull(dir);
        var ipam = Path.Combine(dir!, "Ipam");
        // Netbox/, External/ and Protos/ hold the I/O clients and are not part of the pure core.
        var files = Directory.EnumerateFiles(ipam, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}Netbox{Path.DirectorySeparatorChar}") &&
                        !f.Contains($"{Path.DirectorySeparatorChar}External{Path.DirectorySeparatorChar}") &&
                        !f.Contains($"{Path.DirectorySeparatorChar}Protos{Path.DirectorySeparatorChar}"))
            .ToList();
        Assert.NotEmpty(files);
        var offenders = files.Where(f =>
        {
            var text = File.ReadAllText(f);
            return text.Contains("k8s.", StringComparison.Ordinal) || text.Contains("using k8s", StringComparison.Ordinal) ||
                   text.Contains("System.Threading.Tasks", StringComparison.Ordinal) || text.Contains("async ", StringComparison.Ordinal);
        }).ToList();
        Assert.Empty(offenders);
    }
}
