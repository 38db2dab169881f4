using System.CommandLine;
using Purelb.Modes;

// SIGTERM cancels the running mode; the agent needs a few seconds to withdraw and hand over before exit.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(15) };
return await PurelbCli.Build().Parse(args).InvokeAsync(invocation);
