using KubeApiServer;

// Standalone: dotnet run --project tests/KubeApiServer -- --listen ADDR:PORT --kubeconfig-out FILE [--crds DIR]
string listen = "127.0.0.1:6443";
string? kubeconfigOut = null;
string? crds = "deploy/crds";
for (int i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
    switch (args[i])
    {
        case "--listen": listen = Next(); break;
        case "--kubeconfig-out": kubeconfigOut = Next(); break;
        case "--crds": crds = Next(); break;
        case "--no-crds": crds = null; break;
        case "-h" or "--help":
            Console.WriteLine("KubeApiServer --listen ADDR:PORT [--kubeconfig-out FILE] [--crds DIR | --no-crds]");
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}");
            return 2;
    }
}
if (crds != null && !Path.IsPathRooted(crds) && !Directory.Exists(crds))
{
    // `dotnet run` may start us in the project folder: resolve against the repository root too.
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "purelb.csproj")))
        {
            crds = Path.Combine(dir.FullName, crds);
            break;
        }
}
if (crds != null && !Directory.Exists(crds))
{
    Console.Error.WriteLine($"CRD directory {crds} not found; serving built-in kinds only");
    crds = null;
}
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
await using var host = await KubeApiServerHost.StartAsync(listen, new ApiServerOptions { CrdDirectory = crds },
    kubeconfigOut != null ? Path.GetFullPath(kubeconfigOut) : null);
Console.WriteLine($"listening on {host.BaseUrl}; kubeconfig {host.KubeconfigPath}");
try { await Task.Delay(Timeout.Infinite, stop.Token); } catch (OperationCanceledException) { }
return 0;
