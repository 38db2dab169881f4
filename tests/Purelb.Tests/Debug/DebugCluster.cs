using System.CommandLine;
using System.Text.Json.Nodes;
using KubeApiServer;
using Purelb.Kube;
using Purelb.Modes;

namespace Purelb.Tests.Debug;

/// <summary>The in-repo API server with our CRDs, seeded by a test, and `purelb debug …` run in-process against it.</summary>
public sealed class DebugCluster : IAsyncDisposable
{
    public const string InstallNamespace = "purelb-system";

    private DebugCluster(KubeApiServerHost host) => Host = host;

    public KubeApiServerHost Host { get; }

    public static async Task<DebugCluster> StartAsync()
    {
        var crds = Path.Combine(AppContext.BaseDirectory, "deploy", "crds");
        var host = await KubeApiServerHost.StartAsync("127.0.0.1:0", new ApiServerOptions { CrdDirectory = crds });
        var cluster = new DebugCluster(host);
        cluster.Create("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"purelb-system"}}""");
        cluster.Create("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}""");
        return cluster;
    }

    public ValueTask DisposeAsync() => Host.DisposeAsync();

    public JsonObject Create(string json) => Host.Server.CreateObject((JsonObject)JsonNode.Parse(json)!);

    /// <summary>Runs `purelb debug &lt;args&gt; --kubeconfig … --namespace purelb-system` with the output captured.</summary>
    public async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await PurelbCli.Build()
            .Parse(["debug", .. args, "--kubeconfig", Host.KubeconfigPath, "--namespace", InstallNamespace])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    public async Task<JsonNode> JsonAsync(params string[] args)
    {
        var (exit, output, error) = await RunAsync([.. args, "-o", "json"]);
        if (exit is not (0 or 1))
        {
            throw new Xunit.Sdk.XunitException($"exit {exit}: {error}");
        }
        return JsonNode.Parse(output)!;
    }

    /// <summary>Creates the object of a JSON template whose @key@ tokens are replaced by the given values.</summary>
    public JsonObject CreateFrom(string template, params (string Key, string Value)[] values)
    {
        foreach (var (key, value) in values)
        {
            template = template.Replace($"@{key}@", value);
        }
        return Create(template);
    }

    public void LocalGroup(string name, string pool, string subnet) => CreateFrom("""
        {"apiVersion":"purelb.io/v2","kind":"ServiceGroup","metadata":{"name":"@name@","namespace":"@ns@"},
         "spec":{"local":{"v4pool":{"pool":"@pool@","subnet":"@subnet@","aggregation":"default"}}}}
        """, ("name", name), ("ns", InstallNamespace), ("pool", pool), ("subnet", subnet));

    public void RemoteGroup(string name, string pool, string subnet) => CreateFrom("""
        {"apiVersion":"purelb.io/v2","kind":"ServiceGroup","metadata":{"name":"@name@","namespace":"@ns@"},
         "spec":{"remote":{"v4pool":{"pool":"@pool@","subnet":"@subnet@","aggregation":"/32"}}}}
        """, ("name", name), ("ns", InstallNamespace), ("pool", pool), ("subnet", subnet));

    /// <summary>A LoadBalancer Service; <paramref name="ingress"/> goes into its status as the allocator would have written it.</summary>
    public void Service(string ns, string name, string annotations = "{}", string[]? ingress = null, string extraSpec = "")
    {
        CreateFrom("""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"@name@","namespace":"@ns@","annotations":@annotations@},
             "spec":{"type":"LoadBalancer","ports":[{"port":80,"protocol":"TCP"}],"selector":{"app":"@name@"}@extra@}}
            """, ("name", name), ("ns", ns), ("annotations", annotations), ("extra", extraSpec));
        if (ingress is null)
        {
            return;
        }
        // Like the API server, ours resets status on create: it is written through the status subresource.
        var patch = "{\"status\":{\"loadBalancer\":{\"ingress\":[" + string.Join(",", ingress.Select(ip => "{\"ip\":\"" + ip + "\"}")) + "]}}}";
        using var api = KubeClientFactory.Create(Host.KubeconfigPath);
        api.PatchAsync(KubeResources.Services, ns, name, PatchKind.Merge, patch, CancellationToken.None, "status").GetAwaiter().GetResult();
    }

    /// <summary>A node agent's Lease renewed <paramref name="renewedAgo"/> before now.</summary>
    public void Lease(string node, string subnets, TimeSpan renewedAgo, int durationSeconds = 15)
    {
        var renew = (DateTime.UtcNow - renewedAgo).ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ");
        CreateFrom("""
            {"apiVersion":"coordination.k8s.io/v1","kind":"Lease",
             "metadata":{"name":"purelb-node-@node@","namespace":"@ns@",
                         "annotations":{"purelb.io/subnets":"@subnets@","purelb.io/instance":"uid-@node@"}},
             "spec":{"holderIdentity":"@node@","leaseDurationSeconds":@duration@,"renewTime":"@renew@"}}
            """, ("node", node), ("ns", InstallNamespace), ("subnets", subnets), ("duration", durationSeconds.ToString()), ("renew", renew));
    }

    public void EndpointSlice(string ns, string service, params (string Node, bool Ready)[] endpoints)
    {
        var items = string.Join(",", endpoints.Select((e, i) =>
            "{\"addresses\":[\"10.0.0." + (i + 1) + "\"],\"conditions\":{\"ready\":" + (e.Ready ? "true" : "false") + "},\"nodeName\":\"" + e.Node + "\"}"));
        CreateFrom("""
            {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice",
             "metadata":{"name":"@service@-abc","namespace":"@ns@","labels":{"kubernetes.io/service-name":"@service@"}},
             "addressType":"IPv4","endpoints":[@items@],"ports":[{"port":80,"protocol":"TCP"}]}
            """, ("service", service), ("ns", ns), ("items", items));
    }

    /// <summary>A Warning event about a Service; <paramref name="message"/> is inserted as JSON string content (escape quotes).</summary>
    public void WarningEvent(string ns, string service, string name, string reason, string message, TimeSpan ago)
    {
        var at = (DateTime.UtcNow - ago).ToString("yyyy-MM-ddTHH:mm:ssZ");
        CreateFrom("""
            {"apiVersion":"v1","kind":"Event","metadata":{"name":"@name@","namespace":"@ns@"},
             "involvedObject":{"apiVersion":"v1","kind":"Service","namespace":"@ns@","name":"@service@"},
             "type":"Warning","reason":"@reason@","message":"@message@","firstTimestamp":"@at@","lastTimestamp":"@at@",
             "source":{"component":"purelb-allocator"}}
            """, ("name", name), ("ns", ns), ("service", service), ("reason", reason), ("message", message), ("at", at));
    }
}
