using System.Text.Json.Nodes;
using KubeApiServer;
using Purelb.Tests.Harness;

namespace Purelb.Tests.Allocator;

/// <summary>The in-repo API server with our CRDs, and the real allocator process driven only through the API.</summary>
public sealed class AllocatorLab : IAsyncDisposable
{
    public const string InstallNamespace = "purelb-system";
    private readonly string _logs;
    private readonly List<LabProcess> _processes = [];

    private AllocatorLab(KubeApiServerHost host, string logs)
    {
        Host = host;
        _logs = logs;
    }

    public KubeApiServerHost Host { get; }
    public ApiServer Api => Host.Server;
    public LabProcess? Allocator { get; private set; }

    public static async Task<AllocatorLab> StartAsync()
    {
        var crds = Path.Combine(AppContext.BaseDirectory, "deploy", "crds");
        var host = await KubeApiServerHost.StartAsync("127.0.0.1:0", new ApiServerOptions { CrdDirectory = crds, BookmarkInterval = TimeSpan.FromSeconds(1) });
        var logs = Path.Combine(Path.GetTempPath(), "purelb-tests", "allocator-" + Guid.NewGuid().ToString("N")[..8]);
        var lab = new AllocatorLab(host, logs);
        lab.Create(Json($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{InstallNamespace}}}"}}"""));
        return lab;
    }

    public LabProcess StartAllocator(string metricsAddress = "127.0.0.1:0", string logLevel = "debug")
    {
        var process = PurelbBinary.Start($"allocator-{_processes.Count}", null,
            ["allocator", "--kubeconfig", Host.KubeconfigPath, "--namespace", InstallNamespace, "--metrics-address", metricsAddress,
             "--log-level", logLevel], _logs);
        _processes.Add(process);
        Allocator = process;
        return process;
    }

    public static JsonObject Json(string json) => (JsonObject)JsonNode.Parse(json)!;

    public JsonObject Create(JsonObject obj) => Api.CreateObject(obj);

    public JsonObject ServiceGroup(string name, string v4Pool, string subnet, string? v6Pool = null, string? v6Subnet = null, string extra = "")
    {
        var v6 = v6Pool is null ? "" : $$$""","v6pool":{"pool":"{{{v6Pool}}}","subnet":"{{{v6Subnet}}}","aggregation":"default"}""";
        return Create(Json($$$"""
            {"apiVersion":"purelb.io/v2","kind":"ServiceGroup","metadata":{"name":"{{{name}}}","namespace":"{{{InstallNamespace}}}"},
             "spec":{"local":{"v4pool":{"pool":"{{{v4Pool}}}","subnet":"{{{subnet}}}","aggregation":"default"}{{{v6}}}}{{{extra}}}}}
            """));
    }

    public JsonObject Service(string ns, string name, string annotations = "{}", string extraSpec = "", int port = 80)
    {
        return Create(Json($$$"""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}","annotations":{{{annotations}}}},
             "spec":{"type":"LoadBalancer","ports":[{"port":{{{port}}},"protocol":"TCP"}],"selector":{"app":"{{{name}}}"}{{{extraSpec}}}}}
            """));
    }

    public JsonObject? GetService(string ns, string name) => Api.GetObject("v1", "Service", ns, name);

    public static IReadOnlyList<string> Ingress(JsonObject? svc) =>
        (svc?["status"]?["loadBalancer"]?["ingress"] as JsonArray)?.Select(i => (string)i!["ip"]!).ToList() ?? [];

    public static string? Annotation(JsonObject? obj, string key) => (string?)obj?["metadata"]?["annotations"]?[key];

    /// <summary>Polls until the condition holds; the failure message says what was last seen and the allocator's log tail.</summary>
    public async Task<T> EventuallyAsync<T>(Func<T> read, Func<T, bool> done, string what, double seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        T last = read();
        while (!done(last))
        {
            if (DateTime.UtcNow > deadline || Allocator is { HasExited: true })
                throw new Xunit.Sdk.XunitException($"timed out waiting for {what}; last: {Describe(last)}\n--- allocator log ---\n{Allocator?.Tail()}");
            await Task.Delay(25);
            last = read();
        }
        return last;
    }

    private static string Describe<T>(T value) => value switch
    {
        JsonNode n => n.ToJsonString(),
        System.Collections.IEnumerable e when value is not string => "[" + string.Join(", ", e.Cast<object>()) + "]",
        _ => value?.ToString() ?? "null",
    };

    public Task<IReadOnlyList<string>> IngressOfAsync(string ns, string name, int count = 1, double seconds = 15) =>
        EventuallyAsync(() => Ingress(GetService(ns, name)), i => i.Count >= count, $"{ns}/{name} to get {count} address(es)", seconds);

    public IReadOnlyList<JsonObject> Events(string? reason = null) =>
        Api.List(new Target(Api.Registry.InGroupVersion("", "v1").First(t => t.Kind == "Event"), null, null, null), new ListOptions())
            .Items.Where(e => reason is null || (string?)e["reason"] == reason).ToList();

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes) p.Dispose();
        await Host.DisposeAsync();
    }
}
