using Purelb.Modes;

return await PurelbCli.Build().Parse(args).InvokeAsync();
