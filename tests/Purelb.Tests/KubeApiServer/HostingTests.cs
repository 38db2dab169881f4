using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Purelb.Tests.KubeApiServer;

public class HostingTests
{
    [Fact]
    public async Task In_process_host_writes_a_kubeconfig_pointing_at_itself()
    {
        await using var s = await TestServer.StartAsync();
        var text = await File.ReadAllTextAsync(s.Host.KubeconfigPath);
        Assert.Contains($"server: {s.Host.BaseUrl}", text);
        Assert.Matches(@"^http://127\.0\.0\.1:[0-9]+$", s.Host.BaseUrl);
    }

    [Fact]
    public async Task Listening_on_all_addresses_is_reachable_on_a_non_loopback_address()
    {
        var other = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(i => i.GetIPProperties().UnicastAddresses).Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        await using var s = await TestServer.StartAsync(listen: "0.0.0.0:0");
        var port = new Uri(s.Host.BaseUrl).Port;
        Assert.Equal(HttpStatusCode.OK, (await s.GetAsync("/version")).Code);
        if (other == null) return; // no non-loopback address on this machine: loopback was checked above
        using var http = new HttpClient { BaseAddress = new Uri($"http://{other}:{port}") };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Standalone_process_serves_and_writes_its_kubeconfig()
    {
        var dir = Directory.CreateTempSubdirectory("kubeapi-standalone-");
        var kubeconfig = Path.Combine(dir.FullName, "kubeconfig");
        using var p = StandaloneServer.Start(kubeconfig, TestServer.TestCrdDirectory);
        try
        {
            var url = await StandaloneServer.WaitForUrlAsync(kubeconfig, p);
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            var rl = await http.GetStringAsync("/apis/example.com/v1");
            Assert.Contains("widgets", rl);
        }
        finally
        {
            StandaloneServer.Stop(p);
            dir.Delete(true);
        }
    }
}

/// <summary>Starts tests/KubeApiServer as its own process (as the demo and out-of-process tests do).</summary>
public static class StandaloneServer
{
    public static Process Start(string kubeconfig, string? crds, string listen = "127.0.0.1:0")
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "KubeApiServer.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "--listen", listen, "--kubeconfig-out", kubeconfig }) psi.ArgumentList.Add(a);
        if (crds != null) { psi.ArgumentList.Add("--crds"); psi.ArgumentList.Add(crds); }
        else psi.ArgumentList.Add("--no-crds");
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    public static async Task<string> WaitForUrlAsync(string kubeconfig, Process p)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (p.HasExited) throw new InvalidOperationException($"server exited with {p.ExitCode}");
            if (File.Exists(kubeconfig))
            {
                var line = (await File.ReadAllLinesAsync(kubeconfig)).FirstOrDefault(l => l.Trim().StartsWith("server:", StringComparison.Ordinal));
                if (line != null) return line.Trim()["server:".Length..].Trim();
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("standalone server did not write its kubeconfig");
    }

    public static void Stop(Process p)
    {
        if (!p.HasExited) { p.Kill(); p.WaitForExit(5000); }
    }
}
