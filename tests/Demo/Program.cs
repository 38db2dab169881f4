using System.Runtime.InteropServices;
using Purelb.Tests.Demo;

// Ctrl-C and SIGTERM end the demo (or a --keep run) the same way: stop every process, remove every namespace.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
return await DemoRunner.RunAsync(args, Console.Out, stop.Token);
