using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using KubeApiServer;
using Purelb.Tests.Harness;
using Xunit;

namespace Purelb.Tests.Deploy;

/// <summary>
/// No Docker engine runs here, so the final image's file set is rebuilt from the Dockerfile's own COPY lines (taking
/// the libraries from this Debian host, as the build stage would) and the native binary runs in it under chroot, as
/// the image's non-root user with the image's environment: it must start, load OpenSSL, trust the CA bundle, and talk
/// TLS to an API server. A library missing from the COPY lines fails here, not in a user's cluster.
/// </summary>
[Trait("Category", "Kernel")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ImageRootTests
{
    private static readonly string[] Final = File.ReadAllLines(Path.Combine(ManifestSet.RepoRoot, "Dockerfile"))
        .Select(l => l.Trim())
        .Where(l => l.Length > 0 && !l.StartsWith('#'))
        .SkipWhile(l => !(l.StartsWith("FROM ", StringComparison.Ordinal) && l.Contains("distroless")))
        .ToArray();

    /// <summary>The published binary: CI's PURELB_BINARY, else the repository's out/purelb.</summary>
    private static string NativeBinary()
    {
        var env = Environment.GetEnvironmentVariable("PURELB_BINARY");
        var path = !string.IsNullOrEmpty(env) ? env : Path.Combine(ManifestSet.RepoRoot, "out", "purelb");
        Assert.True(File.Exists(path), $"no native binary at {path}: run ./build.sh publish first");
        return path;
    }

    [Fact]
    public async Task The_native_binary_runs_in_a_root_made_only_of_the_final_stage_files_and_speaks_tls()
    {
        var root = Directory.CreateTempSubdirectory("purelb-image-");
        try
        {
            var size = BuildRoot(root.FullName, NativeBinary());

            // distroless/static supplies the CA bundle; here it holds the test CA, so trusting the API server proves
            // the image's SSL_CERT_FILE setting reaches OpenSSL.
            await using var api = await KubeApiServerHost.StartAsync("127.0.0.1:0", new ApiServerOptions { CrdDirectory = Path.Combine(ManifestSet.DeployDirectory, "crds") });
            var upstream = new Uri(api.BaseUrl);
            await using var tls = new TlsTestProxy(new IPEndPoint(IPAddress.Loopback, upstream.Port));
            Write(root.FullName, "etc/ssl/certs/ca-certificates.crt", tls.CaPem);
            Write(root.FullName, "kubeconfig", $$$"""
                {"apiVersion":"v1","kind":"Config","current-context":"c",
                 "clusters":[{"name":"c","cluster":{"server":"{{{tls.Url}}}"}}],
                 "contexts":[{"name":"c","context":{"cluster":"c"}}]}
                """);
            api.Server.CreateObject(Json("""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"purelb-system"}}"""));
            api.Server.CreateObject(Json("""
                {"apiVersion":"purelb.io/v2","kind":"ServiceGroup","metadata":{"name":"imagetest","namespace":"purelb-system"},
                 "spec":{"local":{"v4pool":{"subnet":"192.0.2.0/24","pool":"192.0.2.10-192.0.2.19","aggregation":"default"}}}}
                """));

            var version = RunInRoot(root.FullName, "version");
            Assert.True(version.ExitCode == 0, $"`purelb version` in the image root exited {version.ExitCode}: {version.StdErr}");

            var pools = RunInRoot(root.FullName, "debug", "pools", "--kubeconfig", "/kubeconfig", "-o", "json");
            Assert.True(pools.ExitCode == 0, $"`purelb debug pools` over TLS in the image root exited {pools.ExitCode}:\n{pools.StdErr}\n{pools.StdOut}");
            Assert.Contains("imagetest", pools.StdOut);
            Assert.Contains("192.0.2.10-192.0.2.19", pools.StdOut);
            Assert.True(tls.Handshakes > 0, "the binary never completed a TLS handshake");
            // The goal is an image of at most 30 MB; distroless/static adds about 2 MB to these files.
            Assert.True(size < 28L << 20, $"binary and libraries take {size / (1 << 20)} MiB");

            // Without /dev (a broken sandbox) OpenSSL cannot start: a one-line cause and exit 2, never a stack trace.
            Directory.Delete(Path.Combine(root.FullName, "dev"), recursive: true);
            var broken = RunInRoot(root.FullName, "debug", "pools", "--kubeconfig", "/kubeconfig");
            Assert.Equal(2, broken.ExitCode);
            Assert.StartsWith("purelb debug pools: cannot read the cluster: CryptographicException", broken.StdErr);
            Assert.DoesNotContain("Unhandled exception", broken.StdErr);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    private static System.Text.Json.Nodes.JsonObject Json(string json) =>
        (System.Text.Json.Nodes.JsonObject)System.Text.Json.Nodes.JsonNode.Parse(json)!;

    /// <summary>Copies what each COPY line of the final stage names (libraries from this host, the binary from
    /// <paramref name="binary"/>) and returns their total size.</summary>
    private static long BuildRoot(string root, string binary)
    {
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        long total = 0;
        var copies = Final.Where(l => l.StartsWith("COPY --from=build ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(copies);
        foreach (var line in copies)
        {
            var parts = line["COPY --from=build ".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var destination = parts[^1];
            foreach (var source in parts[..^1])
            {
                var from = source == "/out/purelb" ? binary : source;
                Assert.True(File.Exists(from), $"the Dockerfile copies {source}, which this Debian host does not have");
                var to = destination.EndsWith('/') ? destination + Path.GetFileName(source) : destination;
                var target = Path.Combine(root, to.TrimStart('/'));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(from, target, overwrite: true); // follows symlinks, as COPY does
                total += new FileInfo(target).Length;
            }
        }
        foreach (var dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories))
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
        Directory.CreateDirectory(Path.Combine(root, "tmp"));
        // What distroless/static itself provides besides the CA bundle: the two users and their homes. .NET looks up
        // the user's home (getpwuid) when it opens its per-user certificate store during the TLS handshake.
        Write(root, "etc/passwd", "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n");
        Write(root, "etc/group", "root:x:0:\nnonroot:x:65532:\n");
        Directory.CreateDirectory(Path.Combine(root, "root"));
        Directory.CreateDirectory(Path.Combine(root, "home", "nonroot"));
        Shell.Run("chown", ["65532:65532", Path.Combine(root, "home", "nonroot")], check: true);
        // What every OCI runtime creates in a container's /dev; OpenSSL reads /dev/urandom when it starts.
        Directory.CreateDirectory(Path.Combine(root, "dev"));
        foreach (var (name, minor) in new[] { ("null", 3), ("zero", 5), ("full", 7), ("random", 8), ("urandom", 9) })
        {
            Shell.Run("mknod", ["-m", "666", Path.Combine(root, "dev", name), "c", "1", minor.ToString()], check: true);
        }
        return total;
    }

    private static void Write(string root, string path, string text)
    {
        var target = Path.Combine(root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.WriteAllText(target, text);
        File.SetUnixFileMode(target, (UnixFileMode)0b110_100_100);
        foreach (var dir in Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories))
            File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101);
    }

    /// <summary>Runs the binary as the image would: chroot, the final stage's USER, and only its ENV.</summary>
    private static (int ExitCode, string StdOut, string StdErr) RunInRoot(string root, params string[] args)
    {
        var user = Final.Single(l => l.StartsWith("USER ", StringComparison.Ordinal))[5..].Trim();
        var entry = Regex.Match(Final.Single(l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal)), "\"([^\"]+)\"").Groups[1].Value;
        var psi = new ProcessStartInfo("/usr/sbin/chroot") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.Environment.Clear();
        // As a container runtime does: HOME from the user's passwd entry unless the image sets it.
        psi.Environment["HOME"] = user.StartsWith('0') ? "/root" : "/home/nonroot";
        foreach (var env in Final.Where(l => l.StartsWith("ENV ", StringComparison.Ordinal)))
        {
            var kv = env[4..].Trim().Split('=', 2);
            psi.Environment[kv[0]] = kv[1];
        }
        foreach (var a in (string[])[$"--userspec={user}", root, entry, .. args]) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("purelb in the image root did not finish");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
