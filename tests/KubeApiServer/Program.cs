using KubeApiServer;

// Standalone: dotnet run --project tests/KubeApiServer -- --listen ADDR:PORT --kubeconfig-out FILE [--crds DIR]
string listen = "127.0.0.1:6443";
string? kubeconfigOut = null;
var crdDirs = new List<string> { "deploy/crds" };
bool crdsGiven = false;
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--listen": listen = Next(); break;
        case "--kubeconfig-out": kubeconfigOut = Next(); break;
        case "--crds":
            if (!crdsGiven) crdDirs.Clear();
            crdsGiven = true;
            crdDirs.Add(Next());
            break;
        case "--no-crds": crdDirs.Clear(); crdsGiven = true; break;
        case "-h" or "--help":
            Console.WriteLine("KubeApiServer --listen ADDR:PORT [--kubeconfig-out FILE] [--crds DIR]... [--no-crds]  (default --crds deploy/crds)");
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}
string? Resolve(string dir)
{
    if (Directory.Exists(dir) || Path.IsPathRooted(dir)) return Directory.Exists(dir) ? Path.GetFullPath(dir) : null;
    // `dotnet run` may start us in the project folder: resolve against the repository root too.
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        if (File.Exists(Path.Combine(d.FullName, "purelb.csproj")))
            return Directory.Exists(Path.Combine(d.FullName, dir)) ? Path.Combine(d.FullName, dir) : null;
    return null;
}
var resolved = new List<string>();
foreach (var dir in crdDirs)
{
    if (Resolve(dir) is { } r) resolved.Add(r);
    else Console.Error.WriteLine($"CRD directory {dir} not found; skipped");
}
using var stop = new CancellationTokenSource();
// The web host's console lifetime swallows SIGTERM/SIGINT; take them here so the process ends.
using var onTerm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
using var onInt = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
await using var host = await KubeApiServerHost.StartAsync(listen, new ApiServerOptions { CrdDirectories = resolved },
    kubeconfigOut != null ? Path.GetFullPath(kubeconfigOut) : null);
Console.WriteLine($"listening on {host.BaseUrl}; kubeconfig {host.KubeconfigPath}");
try { await Task.Delay(Timeout.Infinite, stop.Token); } catch (OperationCanceledException) { }
return 0;
