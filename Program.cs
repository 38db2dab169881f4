using System.CommandLine;
using Purelb.Modes;
using Purelb.Modes.Memory;

// First, before parsing touches anything: from here on the binary's pages are mapped one at a time (PageResidency).
// Not disposed: closing it at exit would only turn fault-around back on.
var residency = PageResidency.Start(Environment.GetEnvironmentVariable(PageResidency.SwitchVariable));
// SIGTERM cancels the running mode; the agent needs a few seconds to withdraw and hand over before exit.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(15) };
return await PurelbCli.Build(residency).Parse(args).InvokeAsync(invocation);
