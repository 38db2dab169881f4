using System.Diagnostics;
using Purelb.Tests.KubeApiServer;
using Xunit;

namespace Purelb.Tests.RealClients;

/// <summary>
/// A fresh standalone tests/KubeApiServer process (per test class) serving purelb's CRDs from deploy/crds
/// and the API server's test CRDs, plus runners for kubectl and the official Python client against it.
/// </summary>
public class RealClientServer : IAsyncLifetime
{
    Process? _server;
    DirectoryInfo? _dir;
    public string Url { get; private set; } = "";
    public string Kubeconfig { get; private set; } = "";
    public string WorkDir => _dir!.FullName;
    protected virtual bool ServeCrds => true;

    public static string DeployDir => Path.Combine(TestServer.RepoRoot, "deploy");

    public async Task InitializeAsync()
    {
        _dir = Directory.CreateTempSubdirectory("purelb-realclients-");
        Kubeconfig = Path.Combine(_dir.FullName, "kubeconfig");
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "KubeApiServer.dll"), "--listen", "127.0.0.1:0", "--kubeconfig-out", Kubeconfig })
            psi.ArgumentList.Add(a);
        if (ServeCrds)
            foreach (var d in new[] { Path.Combine(DeployDir, "crds"), TestServer.TestCrdDirectory }) { psi.ArgumentList.Add("--crds"); psi.ArgumentList.Add(d); }
        else psi.ArgumentList.Add("--no-crds");
        _server = Process.Start(psi)!;
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        Url = await StandaloneServer.WaitForUrlAsync(Kubeconfig, _server);
    }

    public Task DisposeAsync()
    {
        if (_server != null) StandaloneServer.Stop(_server);
        _server?.Dispose();
        try { _dir?.Delete(true); } catch (IOException) { }
        return Task.CompletedTask;
    }

    public Dictionary<string, string> Env => new()
    {
        ["KUBECONFIG"] = Kubeconfig,
        ["KUBECACHEDIR"] = Path.Combine(WorkDir, "kubecache"),
        ["HOME"] = WorkDir,
        ["API_URL"] = Url,
        ["PYTHONDONTWRITEBYTECODE"] = "1",
    };

    public ClientProcess StartKubectl(params string[] args) => ClientProcess.Start("kubectl", args, Env);

    public async Task<ClientResult> KubectlAsync(params string[] args) => await RunAsync("kubectl", args, null);

    public async Task<ClientResult> KubectlInAsync(string stdin, params string[] args) => await RunAsync("kubectl", args, stdin);

    public async Task<ClientResult> RunAsync(string file, IEnumerable<string> args, string? stdin, IDictionary<string, string>? extraEnv = null)
    {
        var env = Env;
        if (extraEnv != null) foreach (var (k, v) in extraEnv) env[k] = v;
        using var p = ClientProcess.Start(file, args, env, stdin);
        var code = await p.WaitForExitAsync(TimeSpan.FromSeconds(60));
        return new ClientResult(code, p.Stdout, p.Stderr);
    }

    /// <summary>The Python that has the official client: Debian's python3-kubernetes lives under /usr/bin/python3.</summary>
    public static string Python
    {
        get
        {
            foreach (var candidate in new[] { "/usr/bin/python3", "python3" })
            {
                try
                {
                    using var p = Process.Start(new ProcessStartInfo(candidate, ["-c", "import kubernetes"]) { RedirectStandardError = true, UseShellExecute = false })!;
                    p.WaitForExit(30000);
                    if (p.ExitCode == 0) return candidate;
                }
                catch (System.ComponentModel.Win32Exception) { }
            }
            throw new InvalidOperationException("no python3 with the kubernetes module (install python3-kubernetes)");
        }
    }

    public async Task<ClientResult> PythonAsync(string script, IDictionary<string, string>? env = null) =>
        await RunAsync(Python, ["-c", script], null, env);

    /// <summary>A namespace made through kubectl, unique per test so tests sharing a server stay apart.</summary>
    public async Task<string> NewNamespaceAsync(string prefix)
    {
        var ns = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        var r = await KubectlInAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n", "apply", "-f", "-");
        Assert.True(r.ExitCode == 0, r.ToString());
        return ns;
    }

    public async Task PostFaultAsync(string what)
    {
        using var http = new HttpClient();
        (await http.PostAsync($"{Url}/_fault/{what}", null)).EnsureSuccessStatusCode();
    }
}

/// <summary>The same server without any CRDs, for tests that install them with kubectl.</summary>
public sealed class RealClientServerWithoutCrds : RealClientServer
{
    protected override bool ServeCrds => false;
}
